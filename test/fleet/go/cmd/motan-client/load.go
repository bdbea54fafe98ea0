package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// loadCases (suite `load`): `threads` goroutines calling echo back to back through the echo-long
// refer (every -target address, motan-go's failover with -retries) until stdin has a line or ends,
// the test stopping a provider meanwhile. Prints `LOADING n` once each goroutine had an outcome,
// then `LOAD {"calls","failed","refused","first"}` (refused: failed with a stopping provider's
// refusal, never run) and one case: ok when no call failed.
func loadCases(r *runner, c *caller, threads int) {
	client := c.ctx.GetClient("echo-long")
	var calls, failed, refused atomic.Int64
	var first atomic.Value
	var stop atomic.Bool
	var warm, all sync.WaitGroup
	warm.Add(threads)
	for i := 0; i < threads; i++ {
		all.Add(1)
		go func() {
			defer all.Done()
			warmed := false
			for !stop.Load() {
				var reply string
				err := client.Call("echo", []interface{}{"x"}, &reply)
				if err != nil || reply != "x" {
					failed.Add(1)
					// Refused unrun by a stopping Meshlet provider (exception.ts's STOPPING_PREFIX).
					if err != nil && strings.Contains(err.Error(), "provider stopping") {
						refused.Add(1)
					}
					first.CompareAndSwap(nil, fmt.Sprintf("%v (reply %q)", err, reply))
				} else {
					calls.Add(1)
				}
				if !warmed {
					warmed = true
					warm.Done()
				}
			}
		}()
	}
	warm.Wait()
	fmt.Println("LOADING", threads)
	bufio.NewReader(os.Stdin).ReadString('\n') // a line or the end of stdin
	stop.Store(true)
	all.Wait()
	why, _ := first.Load().(string)
	var firstJSON interface{}
	if why != "" {
		firstJSON = why
	}
	out, _ := json.Marshal(map[string]interface{}{"calls": calls.Load(), "failed": failed.Load(), "refused": refused.Load(), "first": firstJSON})
	fmt.Println("LOAD " + string(out))
	r.check("load/"+strconv.Itoa(threads), failed.Load() == 0 && calls.Load() > 0,
		fmt.Sprintf("%d of %d calls failed; first: %s", failed.Load(), calls.Load()+failed.Load(), why))
}
