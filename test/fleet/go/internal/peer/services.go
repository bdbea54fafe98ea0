package peer

import (
	"errors"
	"fmt"
	"time"

	motan "github.com/weibocom/motan-go/core"
)

// Parameters take the Go types motan-go's simple decoder yields for what Java (and Meshlet) send:
// int → int32, long → int64, double → float64, byte[] → []byte, List<String> → []string,
// Map<String,String> → map[string]string, a class (a Map<String,Object> under simple) →
// map[interface{}]interface{}. The results go back in the same types.

// EchoService is com.meshlet.conformance.EchoService (CONFORMANCE.md).
type EchoService struct{}

func (EchoService) Echo(s string) string               { return s }
func (EchoService) AddInt(a, b int32) int32            { return a + b }
func (EchoService) AddLong(a, b int64) int64           { return a + b }
func (EchoService) MulDouble(a, b float64) float64     { return a * b }
func (EchoService) Negate(b bool) bool                 { return !b }
func (EchoService) Nullable(s interface{}) interface{} { return s }

func (EchoService) ReverseBytes(b []byte) []byte {
	out := make([]byte, len(b))
	for i, x := range b {
		out[len(b)-1-i] = x
	}
	return out
}

func (EchoService) ReverseList(l []string) []string {
	out := make([]string, len(l))
	for i, x := range l {
		out[len(l)-1-i] = x
	}
	return out
}

func (EchoService) SwapMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// EchoUser returns the User map as it came.
func (EchoService) EchoUser(u map[interface{}]interface{}) map[interface{}]interface{} { return u }

// Fail is the business failure: the provider turns the error into errtype 2.
func (EchoService) Fail(message string) error { return errors.New(message) }

func (EchoService) Sleep(ms int32) string {
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return "slept"
}

// FleetService is com.meshlet.fleet.FleetService as simple can carry it.
type FleetService struct{}

func (FleetService) EchoOrder(o map[interface{}]interface{}) map[interface{}]interface{} { return o }

// Describe is Java's three overloads in one: simple's tags say which one the caller meant.
func (FleetService) Describe(v interface{}) (string, error) {
	switch x := v.(type) {
	case int32:
		return fmt.Sprintf("int:%d", x), nil
	case int64:
		return fmt.Sprintf("long:%d", x), nil
	case string:
		return "string:" + x, nil
	}
	return "", fmt.Errorf("describe: no overload for %T", v)
}

// Attachment answers the request attachment `key`, null when absent.
func (FleetService) Attachment(req motan.Request, key string) interface{} {
	if v := req.GetAttachment(key); v != "" {
		return v
	}
	return nil
}

func (FleetService) Raise(message string) error { return errors.New(message) }

// Blob is com.meshlet.fleet.Blobs.pattern: byte i = (byte)(i * 31).
func (FleetService) Blob(size int32) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i * 31)
	}
	return b
}

func (FleetService) SizeOf(b []byte) int32 { return int32(len(b)) }
