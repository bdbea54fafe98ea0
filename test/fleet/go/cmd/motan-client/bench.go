package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runBench drives `concurrency` calls in flight for `seconds` and prints the bench line of
// examples/conformance/bench.js: {"calls","errors","qps","p50_ms","p99_ms","rss_mb"}.
func runBench(c *caller, method string, payload, concurrency int, seconds float64) int {
	if method != "echo" {
		fmt.Fprintf(os.Stderr, "bench: only echo is driven (got %s)\n", method)
		return 2
	}
	arg := strings.Repeat("x", payload)
	client := c.ctx.GetClient("echo-long")
	// One untimed call first: the connection is up before the clock starts.
	if got := c.call("echo-long", "echo", nil, "warm"); got.Exception != nil {
		fmt.Fprintf(os.Stderr, "bench: warm-up failed: %+v\n", *got.Exception)
		return 1
	}
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var calls, errors atomic.Int64
	lat := make([][]float64, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				var reply string
				err := client.Call("echo", []interface{}{arg}, &reply)
				lat[w] = append(lat[w], float64(time.Since(t0).Microseconds())/1000)
				calls.Add(1)
				if err != nil || len(reply) != payload {
					errors.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	all := []float64{}
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Float64s(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return all[int(p*float64(len(all)-1))]
	}
	out, _ := json.Marshal(map[string]interface{}{
		"calls": calls.Load(), "errors": errors.Load(), "qps": round(float64(calls.Load()) / elapsed),
		"p50_ms": round(pct(0.5)), "p99_ms": round(pct(0.99)), "rss_mb": round(rssMB()),
	})
	fmt.Println(string(out))
	return 0
}

func round(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// rssMB reads VmRSS from /proc (what process.memoryUsage().rss is on the Node side).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.Sys) / 1024 / 1024
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}
