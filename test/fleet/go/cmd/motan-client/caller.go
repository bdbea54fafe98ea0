package main

import (
	"sync"

	motan "github.com/weibocom/motan-go"
	core "github.com/weibocom/motan-go/core"
	"meshlet.test/fleet/internal/peer"
)

// caller makes a call through a refer of the client context and reads back what the capture
// filter saw (value, exception).
type caller struct {
	ctx     *motan.MCContext
	results *sync.Map
}

// call sends method(args...) through refer `id` with the given attachments.
func (c *caller) call(id, method string, attachments map[string]string, args ...interface{}) peer.Result {
	client := c.ctx.GetClient(id)
	if client == nil {
		return peer.Result{Exception: &core.Exception{ErrCode: -1, ErrMsg: "no refer " + id}}
	}
	req := client.BuildRequest(method, args)
	for k, v := range attachments {
		req.SetAttachment(k, v)
	}
	var reply interface{}
	err := client.BaseCall(req, &reply)
	got, ok := c.results.LoadAndDelete(req)
	if !ok {
		// Failed before reaching an endpoint (no endpoint, cluster error): only the message is known.
		msg := "no response"
		if err != nil {
			msg = err.Error()
		}
		return peer.Result{Exception: &core.Exception{ErrCode: -1, ErrMsg: msg}}
	}
	return got.(peer.Result)
}
