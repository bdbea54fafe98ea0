// Package peer holds what the motan-go fleet programs share: the services, the provider that binds
// them to motan-go, config writing and the process lifecycle.
package peer

import (
	"fmt"
	"reflect"
	"sync/atomic"

	motan "github.com/weibocom/motan-go/core"
)

// ProviderName is the motan-go provider extension the fleet services are exported with
// (`provider: fleet` in a service's config).
const ProviderName = "fleet"

var requestType = reflect.TypeOf((*motan.Request)(nil)).Elem()
var errorType = reflect.TypeOf((*error)(nil)).Elem()

// Provider is motan-go's DefaultProvider with what a Java-shaped service needs and DefaultProvider
// cannot do: a returned error becomes a business exception (errtype 2, the message as errmsg;
// DefaultProvider has no way to raise one, a panic becomes "provider call panic"), a method whose
// first parameter is motan.Request gets the request (for its attachments), a null argument becomes
// the parameter's zero value (DefaultProvider panics on it) and a nil interface result is written
// as simple's NULL. Methods are still found by FirstUpper(M_m), as DefaultProvider finds them.
type Provider struct {
	url      *motan.URL
	service  interface{}
	methods  map[string]reflect.Value
	inFlight *atomic.Int64
}

// NewProvider is the extension factory function; inFlight counts calls under way for a graceful stop.
func NewProvider(inFlight *atomic.Int64) func(url *motan.URL) motan.Provider {
	return func(url *motan.URL) motan.Provider { return &Provider{url: url, inFlight: inFlight} }
}

func (p *Provider) SetService(s interface{}) { p.service = s }
func (p *Provider) GetURL() *motan.URL       { return p.url }
func (p *Provider) SetURL(url *motan.URL)    { p.url = url }
func (p *Provider) GetPath() string          { return p.url.Path }
func (p *Provider) IsAvailable() bool        { return true }
func (p *Provider) Destroy()                 {}
func (p *Provider) GetRuntimeInfo() map[string]interface{} {
	return map[string]interface{}{motan.RuntimeUrlKey: p.url.ToExtInfo()}
}

func (p *Provider) Initialize() {
	p.methods = map[string]reflect.Value{}
	v := reflect.ValueOf(p.service)
	for i := 0; i < v.NumMethod(); i++ {
		p.methods[v.Type().Method(i).Name] = v.Method(i)
	}
}

func exception(rid uint64, code, errType int, msg string) motan.Response {
	return motan.BuildExceptionResponse(rid, &motan.Exception{ErrCode: code, ErrMsg: msg, ErrType: errType})
}

func (p *Provider) Call(req motan.Request) motan.Response {
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	rid := req.GetRequestID()
	m, ok := p.methods[motan.FirstUpper(req.GetMethod())]
	if !ok {
		// The same answer as DefaultProvider's for a missing method.
		return exception(rid, 500, motan.ServiceException, "method "+req.GetMethod()+" is not found in provider.")
	}
	if err := req.ProcessDeserializable(targets(m.Type())); err != nil {
		return exception(rid, 500, motan.ServiceException, "deserialize arguments fail."+err.Error())
	}
	args, err := bind(m.Type(), req)
	if err != nil {
		return exception(rid, 500, motan.ServiceException, err.Error())
	}
	out := m.Call(args)
	res := &motan.MotanResponse{RequestID: rid}
	for _, o := range out {
		if o.Type() == errorType {
			if !o.IsNil() {
				return exception(rid, 500, motan.BizException, o.Interface().(error).Error())
			}
			continue
		}
		res.Value = o.Interface()
	}
	return res
}

// targets are pointers to the parameters' types: breeze (breeze-go) reads only into a target,
// simple reads its own natural types and ignores them.
func targets(t reflect.Type) []interface{} {
	out := []interface{}{}
	for i := 0; i < t.NumIn(); i++ {
		switch {
		case t.In(i) == requestType:
		case t.In(i).Kind() == reflect.Interface:
			out = append(out, nil) // breeze-go reads its natural type only without a target
		case t.In(i).Kind() == reflect.Map:
			// breeze-go v0.1.1 panics filling a nil map: give it an allocated one.
			target := reflect.New(t.In(i))
			target.Elem().Set(reflect.MakeMap(t.In(i)))
			out = append(out, target.Interface())
		default:
			out = append(out, reflect.New(t.In(i)).Interface())
		}
	}
	return out
}

// bind turns the decoded arguments into the method's parameters.
func bind(t reflect.Type, req motan.Request) ([]reflect.Value, error) {
	decoded := req.GetArguments()
	args := make([]reflect.Value, 0, t.NumIn())
	for i := 0; i < t.NumIn(); i++ {
		pt := t.In(i)
		if pt == requestType {
			args = append(args, reflect.ValueOf(req))
			continue
		}
		if len(decoded) == 0 {
			return nil, fmt.Errorf("method %s: missing argument %d", req.GetMethod(), len(args))
		}
		a := decoded[0]
		decoded = decoded[1:]
		if v := reflect.ValueOf(a); v.Kind() == reflect.Ptr && v.Type().Elem() == pt {
			a = v.Elem().Interface() // a target breeze filled
		}
		if a == nil {
			args = append(args, reflect.Zero(pt))
			continue
		}
		v := reflect.ValueOf(a)
		if !v.Type().AssignableTo(pt) {
			return nil, fmt.Errorf("method %s: argument %d is %s, not %s", req.GetMethod(), len(args), v.Type(), pt)
		}
		args = append(args, v)
	}
	if len(decoded) != 0 {
		return nil, fmt.Errorf("method %s: %d arguments too many", req.GetMethod(), len(decoded))
	}
	return args, nil
}
