package main

import (
	"fmt"
	"math"
	"strings"
	"sync"

	core "github.com/weibocom/motan-go/core"
	"meshlet.test/fleet/internal/peer"
)

// big is the kit's 1 MiB string: 'x' × (1 MiB − 3), then 😀 and z.
var big = strings.Repeat("x", 1024*1024-3) + "😀z"

// BIG is Cases.BIG: just under the 8 MiB default frame limits.
const BIG = 8*1024*1024 - 64*1024

// user is the kit's User as simple carries a class: a map of its fields, with the Java types.
func user(tags []string, attrs map[string]string) map[string]interface{} {
	return map[string]interface{}{"id": int64(9007199254740993), "name": "Zoë 😀", "tags": tags, "attrs": attrs, "active": true, "score": -12.5}
}

// kitCases are the conformance kit's 29 cases (examples/conformance/cases.js), in its order.
func kitCases(r *runner, c *caller) {
	call := func(method string, args ...interface{}) peer.Result { return c.call("echo", method, nil, args...) }
	r.expect("echo/ascii", "hello", call("echo", "hello"))
	r.expect("echo/empty", "", call("echo", ""))
	r.expect("echo/unicode", "héllo, 世界 😀𝄞", call("echo", "héllo, 世界 😀𝄞"))
	r.expect("echo/1MiB", big, call("echo", big))
	r.expect("addInt/basic", int32(5), call("addInt", int32(2), int32(3)))
	r.expect("addInt/wrap", int32(-2147483648), call("addInt", int32(2147483647), int32(1)))
	r.expect("addInt/min", int32(-2147483648), call("addInt", int32(-2147483648), int32(0)))
	r.expect("addLong/2^53+1", int64(9007199254740993), call("addLong", int64(9007199254740993), int64(0)))
	r.expect("addLong/wrap", int64(-9223372036854775808), call("addLong", int64(9223372036854775807), int64(1)))
	r.expect("addLong/small", int64(1), call("addLong", int64(-1), int64(2)))
	r.expect("mulDouble/basic", -3.0, call("mulDouble", 1.5, -2.0))
	r.expect("mulDouble/nan", nan(), call("mulDouble", nan(), 1.0))
	r.expect("mulDouble/inf", negInf(), call("mulDouble", posInf(), -1.0))
	r.expect("mulDouble/tiny", 5e-324, call("mulDouble", 5e-324, 1.0))
	r.expect("negate/true", false, call("negate", true))
	r.expect("negate/false", true, call("negate", false))
	r.expect("reverseBytes/basic", []byte{255, 3, 2, 1}, call("reverseBytes", []byte{1, 2, 3, 255}))
	r.expect("reverseBytes/empty", []byte{}, call("reverseBytes", []byte{}))
	r.expect("reverseList/basic", []string{"c", "b", "a"}, call("reverseList", []string{"a", "b", "c"}))
	r.expect("reverseList/empty", []string{}, call("reverseList", []string{}))
	r.expect("swapMap/basic", map[string]string{"1": "a", "2": "b"}, call("swapMap", map[string]string{"a": "1", "b": "2"}))
	r.expect("swapMap/empty", map[string]string{}, call("swapMap", map[string]string{}))
	full := user([]string{"a", "b", ""}, map[string]string{"k": "v", "empty": ""})
	r.expect("echoUser/full", full, call("echoUser", full))
	bare := user([]string{}, map[string]string{})
	r.expect("echoUser/empty-collections", bare, call("echoUser", bare))
	r.expect("nullable/null", nil, call("nullable", nil))
	r.expect("nullable/value", "x", call("nullable", "x"))
	r.expectError("fail/business", core.BizException, -1, "boom 😀", call("fail", "boom 😀"))
	r.expect("sleep/ok", "slept", call("sleep", int32(10)))
	timeout := c.call("echo-quick", "sleep", nil, int32(2000))
	r.check("sleep/timeout", timeout.Exception != nil && strings.Contains(timeout.Exception.ErrMsg, "timeout"),
		fmt.Sprintf("expected motan-go's timeout, got %+v %v", timeout.Exception, timeout.Value))
}

// fleetCases are the fleet cases (test/fleet/java/common Cases.fleet) as simple carries them.
func fleetCases(r *runner, c *caller) {
	call := func(method string, args ...interface{}) peer.Result { return c.call("fleet", method, nil, args...) }
	order := fullOrder()
	r.expect("order/full", order, call("echoOrder", order))
	nulls := map[string]interface{}{"id": int64(-1)}
	r.expect("order/nulls", nulls, call("echoOrder", nulls))
	r.expect("overload/int", "int:7", call("describe", int32(7)))
	r.expect("overload/long", "long:9007199254740993", call("describe", int64(9007199254740993)))
	r.expect("overload/string", "string:7", call("describe", "7"))
	r.expect("attachment/sent", "fleet-42", c.call("fleet", "attachment", map[string]string{"x-fleet-key": "fleet-42"}, "x-fleet-key"))
	r.expect("attachment/absent", nil, call("attachment", "x-fleet-absent"))
	r.expectError("exception/custom-class", core.BizException, -1, "fleet says no", call("raise", "fleet says no"))
	r.expect("payload/8MiB-result", pattern(BIG), call("blob", int32(BIG)))
	r.expect("payload/8MiB-argument", int32(BIG), call("sizeOf", pattern(BIG)))
	inFlight(r, c, 128)
}

// inFlight: n calls at once on the echo refer, each answered with its own value.
func inFlight(r *runner, c *caller, n int) {
	var wg sync.WaitGroup
	wrong := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := fmt.Sprintf("call-%d-%s", i, strings.Repeat("y", i*16))
			got := c.call("echo-long", "echo", nil, v)
			if got.Exception != nil || got.Value != v {
				wrong[i] = fmt.Sprintf("%d: %+v %v", i, got.Exception, show(got.Value))
			}
		}(i)
	}
	wg.Wait()
	bad := []string{}
	for _, w := range wrong {
		if w != "" {
			bad = append(bad, w)
		}
	}
	r.check(fmt.Sprintf("inflight/%d", n), len(bad) == 0, fmt.Sprintf("%d of %d wrong or failed: %v", len(bad), n, bad))
}

// fullOrder is Cases.fullOrder() as a map: Date as epoch millis, BigDecimal as its text, the
// enum as its name, the Set as a list (what Meshlet and Java's simple send for them).
func fullOrder() map[string]interface{} {
	return map[string]interface{}{
		"id":        int64(9007199254740993),
		"customer":  map[string]interface{}{"name": "Zoë 😀", "address": map[string]interface{}{"city": "杭州", "zip": "310000"}},
		"lines":     []interface{}{map[string]interface{}{"sku": "sku-1", "qty": int32(2), "price": "19.90"}, map[string]interface{}{"sku": "sku-2", "qty": int32(1), "price": "-0.001"}},
		"status":    "PAID",
		"createdAt": int64(1733318400123),
		"total":     "39.799",
		"labels":    []string{"urgent", "gift"},
		"blob":      []byte{0, 1, 255, 127, 128},
		"parent":    int64(42),
	}
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 31)
	}
	return b
}

func nan() float64    { return math.NaN() }
func posInf() float64 { return math.Inf(1) }
func negInf() float64 { return math.Inf(-1) }
