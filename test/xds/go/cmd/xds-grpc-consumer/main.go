// xds-grpc-consumer: grpc-go's own proxyless xDS client (google.golang.org/grpc/xds) calling
// meshlet.test.XdsWho/Who through `xds:///<service>`, for test/xds/proxyless-peers.test.js. It
// takes its bootstrap from GRPC_XDS_BOOTSTRAP, as any grpc-go service would, and reads one JSON
// command per stdin line, answering each with one JSON line on stdout:
//
//	{"op":"calls","n":1000,"inflight":32,"delayMs":0,"timeoutMs":3000}
//	    makes n unary calls, inflight at a time, each with a deadline of timeoutMs; answers
//	    {"counts":{"<provider>":n},"codes":{"<status>":n},"ms":{"<status>":[min,max]},"messages":{"<status>":"..."}}
//
// It prints "READY" once the channel exists and has started resolving the target.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	_ "google.golang.org/grpc/xds" // registers the xds resolver and balancers, as a proxyless service does
)

type command struct {
	Op        string `json:"op"`
	N         int    `json:"n"`
	InFlight  int    `json:"inflight"`
	DelayMs   int32  `json:"delayMs"`
	TimeoutMs int    `json:"timeoutMs"`
}

type answer struct {
	Counts   map[string]int      `json:"counts"`
	Codes    map[string]int      `json:"codes"`
	Ms       map[string][2]int64 `json:"ms"`
	Messages map[string]string   `json:"messages"`
	Error    string              `json:"error,omitempty"`
}

func calls(cc *grpc.ClientConn, method string, c command) answer {
	a := answer{Counts: map[string]int{}, Codes: map[string]int{}, Ms: map[string][2]int64{}, Messages: map[string]string{}}
	if c.InFlight <= 0 {
		c.InFlight = 1
	}
	if c.TimeoutMs <= 0 {
		c.TimeoutMs = 3000
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < c.InFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= c.N {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.TimeoutMs)*time.Millisecond)
				t0 := time.Now()
				rep := new(Rep)
				err := cc.Invoke(ctx, method, &Req{DelayMs: c.DelayMs}, rep)
				ms := time.Since(t0).Milliseconds()
				cancel()
				st := status.Convert(err)
				code := st.Code().String()
				mu.Lock()
				a.Codes[code]++
				if err == nil {
					a.Counts[rep.Name]++
				} else if _, seen := a.Messages[code]; !seen {
					a.Messages[code] = st.Message()
				}
				r, seen := a.Ms[code]
				if !seen {
					r = [2]int64{ms, ms}
				}
				if ms < r[0] {
					r[0] = ms
				}
				if ms > r[1] {
					r[1] = ms
				}
				a.Ms[code] = r
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return a
}

func main() {
	target := flag.String("target", "", "xds:///<service>")
	service := flag.String("service", "meshlet.test.XdsWho", "the gRPC service the method belongs to")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "usage: xds-grpc-consumer -target xds:///<service>")
		os.Exit(2)
	}
	cc, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer cc.Close()
	// Leave idle now: the resolver subscribes to the listener before the first call, so the test
	// can wait for this node's ACKs before it calls.
	cc.Connect()
	method := "/" + *service + "/Who"
	fmt.Println("READY")
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c command
		var a answer
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			a.Error = err.Error()
		} else if c.Op == "calls" {
			a = calls(cc, method, c)
		} else {
			a.Error = "unknown op " + c.Op
		}
		if err := out.Encode(a); err != nil {
			os.Exit(1)
		}
	}
}
