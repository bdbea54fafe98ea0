package main

import (
	"fmt"
	"time"

	core "github.com/weibocom/motan-go/core"
)

// errorCases: what a Meshlet provider answers for what it does not serve, and group selection.
func errorCases(r *runner, c *caller) {
	// Unknown service: Meshlet answers errcode 404, errtype 1 (motan-go's own "provider not exist").
	r.expectError("unknown/service", core.ServiceException, 404, "", c.call("missing", "echo", nil, "x"))
	// Unknown method of a known service.
	// Any errcode: Meshlet answers Java's 10101 here, as a Java provider does.
	r.expectError("unknown/method", core.ServiceException, -1, "", c.call("echo", "noSuchMethod", nil, "x"))
	// The group travels in M_g; a provider that serves `conformance` only does not answer `other`.
	r.expectError("group/other", core.ServiceException, 404, "", c.call("other-group", "echo", nil, "x"))
	r.expect("group/conformance", "in-group", c.call("echo", "echo", nil, "in-group"))
}

// drainCases: 64 slow calls in flight while the test stops the provider (SIGTERM after `SENT 64`);
// every one must come back with its value.
func drainCases(r *runner, c *caller) {
	const n = 64
	results := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			got := c.call("echo", "sleep", nil, int32(3000))
			if got.Exception != nil {
				results <- fmt.Sprintf("%+v", *got.Exception)
			} else if got.Value != "slept" {
				results <- show(got.Value)
			} else {
				results <- ""
			}
		}()
	}
	// On a loaded 2-core box the calls can take a while to leave; each sleeps 3 s, so 1.5 s
	// leaves them all on the wire and still under way when the test stops the provider.
	time.Sleep(1500 * time.Millisecond)
	fmt.Println("SENT 64")
	bad := []string{}
	for i := 0; i < n; i++ {
		if r := <-results; r != "" {
			bad = append(bad, r)
		}
	}
	r.check("drain/64", len(bad) == 0, fmt.Sprintf("%d of %d failed: %v", len(bad), n, bad))
}
