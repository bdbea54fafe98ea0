package main

// Client mode: each case calls the Meshlet tri provider of triple-grpc-go.test.js and checks exact values;
// one JSON line per case, last line "N passed, N failed".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type result struct {
	Case   string `json:"case"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Ms     int64  `json:"ms"`
}

func method(name string) string { return "/" + service + "/" + name }

func expectCode(err error, want codes.Code) error {
	if got := status.Code(err); got != want {
		return fmt.Errorf("status %v (%v), want %v", got, err, want)
	}
	return nil
}

func openStream(ctx context.Context, cc *grpc.ClientConn, name string, client, server bool, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	desc := &grpc.StreamDesc{StreamName: name, ClientStreams: client, ServerStreams: server}
	return cc.NewStream(ctx, desc, method(name), opts...)
}

// serverStream sends req and collects the answers until the stream ends; err is the final status.
func serverStream(ctx context.Context, cc *grpc.ClientConn, name string, req *Req, each func(*Rep) bool) error {
	s, err := openStream(ctx, cc, name, false, true)
	if err != nil {
		return err
	}
	if err := s.SendMsg(req); err != nil {
		return err
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	for {
		rep := new(Rep)
		if err := s.RecvMsg(rep); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if !each(rep) {
			return nil
		}
	}
}

func cases(cc *grpc.ClientConn, in *lastIn) []struct {
	name string
	run  func() error
} {
	bg := context.Background()
	return []struct {
		name string
		run  func() error
	}{
		{"unary", func() error {
			ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(bg, "x-tenant", "acme"), 4*time.Second)
			defer cancel()
			rep := new(Rep)
			if err := cc.Invoke(ctx, method("Hello"), &Req{Name: "grpc-go"}, rep); err != nil {
				return err
			}
			if *rep != (Rep{Text: "Hello grpc-go", Index: 1}) {
				return fmt.Errorf("got %+v", *rep)
			}
			return nil
		}},
		{"gzip", func() error {
			rep := new(Rep)
			if err := cc.Invoke(bg, method("Big"), &Req{Name: strings.Repeat("z", 100_000), Size: 200_000}, rep, grpc.UseCompressor(gzip.Name)); err != nil {
				return err
			}
			if rep.Text != strings.Repeat("b", 200_000) || rep.Index != 100_000 {
				return fmt.Errorf("got %d bytes, index %d", len(rep.Text), rep.Index)
			}
			// The answer came back gzipped too: the provider answers in the request's encoding.
			if enc, n, wire := in.get(); enc != "gzip" || n != 200_008 || wire >= n/10 {
				return fmt.Errorf("answer encoding %s, %d bytes in %d on the wire", enc, n, wire)
			}
			return nil
		}},
		{"server-stream", func() error {
			var got []int32
			err := serverStream(bg, cc, "Count", &Req{Name: "s", Count: 1000}, func(r *Rep) bool {
				if r.Text == "s" {
					got = append(got, r.Index)
				}
				return true
			})
			if err != nil {
				return err
			}
			for i, v := range got {
				if int32(i) != v {
					return fmt.Errorf("item %d has index %d", i, v)
				}
			}
			if len(got) != 1000 {
				return fmt.Errorf("%d items", len(got))
			}
			return nil
		}},
		{"client-stream", func() error {
			s, err := openStream(bg, cc, "Sum", true, false)
			if err != nil {
				return err
			}
			for i := int32(1); i <= 100; i++ {
				if err := s.SendMsg(&Req{Count: i}); err != nil {
					return err
				}
			}
			if err := s.CloseSend(); err != nil {
				return err
			}
			rep := new(Rep)
			if err := s.RecvMsg(rep); err != nil {
				return err
			}
			if *rep != (Rep{Text: "sum", Index: 5050}) {
				return fmt.Errorf("got %+v", *rep)
			}
			return nil
		}},
		{"bidi", func() error {
			s, err := openStream(bg, cc, "Chat", true, true)
			if err != nil {
				return err
			}
			var got []string
			// One message in, its answer out: proves the two directions interleave.
			for i, w := range []string{"ping", "pong", "done"} {
				if err := s.SendMsg(&Req{Name: w, Count: int32(i + 1)}); err != nil {
					return err
				}
				rep := new(Rep)
				if err := s.RecvMsg(rep); err != nil {
					return err
				}
				if rep.Index != int32(i+1) {
					return fmt.Errorf("answer %d has index %d", i, rep.Index)
				}
				got = append(got, rep.Text)
			}
			if err := s.CloseSend(); err != nil {
				return err
			}
			if err := s.RecvMsg(new(Rep)); err != io.EOF {
				return fmt.Errorf("after CloseSend: %v, want EOF", err)
			}
			if strings.Join(got, ",") != "PING,PONG,DONE" {
				return fmt.Errorf("got %v", got)
			}
			return nil
		}},
		{"error-details", func() error {
			err := cc.Invoke(bg, method("Fail"), &Req{Name: "x"}, new(Rep))
			st, _ := status.FromError(err)
			if st.Code() != codes.NotFound || st.Message() != "order 42 not found: ü%" {
				return fmt.Errorf("got %v %q", st.Code(), st.Message())
			}
			d := st.Proto().GetDetails()
			if len(d) != 1 || d[0].GetTypeUrl() != "type.googleapis.com/google.rpc.ErrorInfo" || string(d[0].GetValue()) != "detail-bytes" {
				return fmt.Errorf("details %v", d)
			}
			return nil
		}},
		{"deadline-unary", func() error {
			ctx, cancel := context.WithTimeout(bg, 150*time.Millisecond)
			defer cancel()
			t0 := time.Now()
			err := cc.Invoke(ctx, method("Slow"), &Req{}, new(Rep))
			if e := expectCode(err, codes.DeadlineExceeded); e != nil {
				return e
			}
			if el := time.Since(t0); el > 1500*time.Millisecond {
				return fmt.Errorf("took %v", el)
			}
			return nil
		}},
		{"deadline-stream", func() error {
			ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
			defer cancel()
			items := 0
			err := serverStream(ctx, cc, "SlowStream", &Req{}, func(*Rep) bool { items++; return true })
			if e := expectCode(err, codes.DeadlineExceeded); e != nil {
				return e
			}
			if items == 0 {
				return errors.New("no items before the deadline")
			}
			return nil
		}},
		{"cancel", func() error {
			ctx, cancel := context.WithCancel(bg)
			s, err := openStream(ctx, cc, "SlowStream", false, true)
			if err != nil {
				cancel()
				return err
			}
			_ = s.SendMsg(&Req{})
			_ = s.CloseSend()
			if err := s.RecvMsg(new(Rep)); err != nil {
				cancel()
				return err
			}
			cancel()
			for {
				if err := s.RecvMsg(new(Rep)); err != nil {
					return expectCode(err, codes.Canceled)
				}
			}
		}},
		{"big-16MiB", func() error {
			rep := new(Rep)
			if err := cc.Invoke(bg, method("Big"), &Req{Name: strings.Repeat("n", mib16), Size: mib16}, rep); err != nil {
				return err
			}
			if len(rep.Text) != mib16 || rep.Index != mib16 || rep.Text != strings.Repeat("b", mib16) {
				return fmt.Errorf("got %d bytes, index %d", len(rep.Text), rep.Index)
			}
			return nil
		}},
		{"malformed-request", func() error {
			// Field 1 claims 5 bytes and has 1: the provider cannot decode it. Meshlet answers
			// INVALID_ARGUMENT (grpc-go's and grpc-java's own servers say INTERNAL).
			bad := raw{0x0a, 0x05, 'a'}
			err := cc.Invoke(bg, method("Hello"), &bad, new(Rep))
			if e := expectCode(err, codes.InvalidArgument); e != nil {
				return e
			}
			// ...and the connection still serves.
			rep := new(Rep)
			if err := cc.Invoke(bg, method("Hello"), &Req{Name: "after"}, rep); err != nil || rep.Text != "Hello after" {
				return fmt.Errorf("next call: %+v %v", rep, err)
			}
			return nil
		}},
		{"unimplemented", func() error {
			return expectCode(cc.Invoke(bg, method("Nope"), &Req{}, new(Rep)), codes.Unimplemented)
		}},
	}
}

func runClient(target string) int {
	in := new(lastIn)
	cc, err := grpc.NewClient("passthrough:///"+target,
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(in.handler()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(bigLimit), grpc.MaxCallSendMsgSize(bigLimit)))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	defer cc.Close()
	passed, failed := 0, 0
	for _, c := range cases(cc, in) {
		t0 := time.Now()
		err := c.run()
		r := result{Case: c.name, OK: err == nil, Ms: time.Since(t0).Milliseconds()}
		if err != nil {
			r.Detail = err.Error()
			failed++
		} else {
			passed++
		}
		line, _ := json.Marshal(r)
		fmt.Println(string(line))
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
