package peer

import (
	"sync"

	motan "github.com/weibocom/motan-go/core"
	"github.com/weibocom/motan-go/filter"
)

// CaptureFilter is the endpoint filter `fleetCapture`: motan-go's Client.Call reports only the
// error message, and the kit checks more (errtype, errcode, null vs ""), so this keeps each
// request's deserialized value and exception for the caller to read.
type CaptureFilter struct {
	next    motan.EndPointFilter
	results *sync.Map
}

// Result is what one call came back with.
type Result struct {
	Value     interface{}
	Exception *motan.Exception
}

// CaptureFilterName is the filter's name in a refer's `filter:` list.
const CaptureFilterName = "fleetCapture"

func NewCaptureFilter(results *sync.Map) func() motan.Filter {
	return func() motan.Filter { return &CaptureFilter{results: results} }
}

func (f *CaptureFilter) GetName() string                { return CaptureFilterName }
func (f *CaptureFilter) GetIndex() int                  { return 1 }
func (f *CaptureFilter) GetType() int32                 { return motan.EndPointFilterType }
func (f *CaptureFilter) HasNext() bool                  { return f.next != nil }
func (f *CaptureFilter) SetNext(n motan.EndPointFilter) { f.next = n }
func (f *CaptureFilter) GetNext() motan.EndPointFilter  { return f.next }
func (f *CaptureFilter) GetRuntimeInfo() map[string]interface{} {
	return filter.GetFilterRuntimeInfo(f)
}
func (f *CaptureFilter) NewFilter(url *motan.URL) motan.Filter {
	return &CaptureFilter{results: f.results}
}

func (f *CaptureFilter) Filter(caller motan.Caller, req motan.Request) motan.Response {
	res := f.GetNext().Filter(caller, req)
	f.results.Store(req, Result{Value: res.GetValue(), Exception: res.GetException()})
	return res
}
