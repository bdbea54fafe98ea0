package main

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"

	"meshlet.test/fleet/internal/peer"
)

// runner prints one JSON line per case and the kit's summary line.
type runner struct {
	skip           map[string]bool
	passed, failed int
}

func newRunner(skip []string) *runner {
	r := &runner{skip: map[string]bool{}}
	for _, s := range skip {
		if s != "" {
			r.skip[s] = true
		}
	}
	return r
}

func (r *runner) line(name string, ok bool, why string) {
	v := map[string]interface{}{"case": name, "ok": ok}
	if !ok {
		v["error"] = why
		r.failed++
	} else {
		r.passed++
	}
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

// expect checks a value result exactly (after normalize: the shapes motan-go decodes into).
func (r *runner) expect(name string, want interface{}, got peer.Result) {
	if r.skip[name] {
		return
	}
	if got.Exception != nil {
		r.line(name, false, fmt.Sprintf("expected %s, threw %+v", show(want), *got.Exception))
		return
	}
	if same(normalize(want), normalize(got.Value)) {
		r.line(name, true, "")
	} else {
		r.line(name, false, fmt.Sprintf("expected %s, got %s", show(want), show(got.Value)))
	}
}

// expectError checks errtype (and errcode, errmsg when given: -1 / "" for "any").
func (r *runner) expectError(name string, errType, errCode int, msg string, got peer.Result) {
	if r.skip[name] {
		return
	}
	e := got.Exception
	switch {
	case e == nil:
		r.line(name, false, fmt.Sprintf("expected errtype %d, got %s", errType, show(got.Value)))
	case e.ErrType != errType || (errCode != -1 && e.ErrCode != errCode) || (msg != "" && e.ErrMsg != msg):
		r.line(name, false, fmt.Sprintf("expected errtype %d errcode %d %q, got %+v", errType, errCode, msg, *e))
	default:
		r.line(name, true, "")
	}
}

func (r *runner) check(name string, ok bool, why string) {
	if !r.skip[name] {
		r.line(name, ok, why)
	}
}

func (r *runner) finish() int {
	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed == 0 && r.passed > 0 {
		return 0
	}
	return 1
}

// normalize maps what motan-go's simple decoder yields onto one shape: string-keyed maps become
// map[interface{}]interface{} (the decoder's map type), and the typed nil it returns for an empty
// container equals the empty container (Go decodes length 0 as nil, simple.go).
func normalize(v interface{}) interface{} {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	switch rv.Kind() {
	case reflect.Map:
		out := map[interface{}]interface{}{}
		for _, k := range rv.MapKeys() {
			out[normalize(k.Interface())] = normalize(rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return append([]byte{}, rv.Bytes()...)
		}
		if rv.Type().Elem().Kind() == reflect.String {
			return append([]string{}, v.([]string)...)
		}
		out := []interface{}{}
		for i := 0; i < rv.Len(); i++ {
			out = append(out, normalize(rv.Index(i).Interface()))
		}
		return out
	}
	return v
}

// same is reflect.DeepEqual with bit-exact floats (NaN equals NaN, as Java's Double.equals).
func same(a, b interface{}) bool {
	fa, okA := a.(float64)
	fb, okB := b.(float64)
	if okA && okB {
		return math.Float64bits(fa) == math.Float64bits(fb)
	}
	return reflect.DeepEqual(a, b)
}

func show(v interface{}) string {
	s := fmt.Sprintf("%T %v", v, v)
	if len(s) > 200 {
		return s[:200] + fmt.Sprintf("…(%d chars)", len(s))
	}
	return s
}
