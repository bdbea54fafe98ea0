package main

// What compression a message really crossed the wire with is visible only in grpc-go's stats hooks:
// the server prints it as EVENT lines, the client keeps the last response's figures for its gzip case.

import (
	"context"
	"strings"
	"sync"

	"google.golang.org/grpc/stats"
)

type methodKey struct{}

// wireStats is a stats.Handler; onHeader and onPayload get the RPC's method name (after the last '/').
type wireStats struct {
	onHeader  func(method, compression string)
	onPayload func(method string, length, wireLength int)
}

func (w wireStats) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, methodKey{}, info.FullMethodName[strings.LastIndex(info.FullMethodName, "/")+1:])
}

func (w wireStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	method, _ := ctx.Value(methodKey{}).(string)
	switch s := s.(type) {
	case *stats.InHeader:
		if w.onHeader != nil {
			c := s.Compression
			if c == "" {
				c = "identity"
			}
			w.onHeader(method, c)
		}
	case *stats.InPayload:
		if w.onPayload != nil {
			w.onPayload(method, s.Length, s.WireLength)
		}
	}
}

func (wireStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (wireStats) HandleConn(context.Context, stats.ConnStats)                       {}

// lastIn is the client's record of the latest response message and the response's grpc-encoding.
type lastIn struct {
	mu                 sync.Mutex
	encoding           string
	length, wireLength int
}

func (l *lastIn) handler() wireStats {
	return wireStats{
		onHeader: func(_ string, c string) {
			l.mu.Lock()
			l.encoding = c
			l.mu.Unlock()
		},
		onPayload: func(_ string, n, wire int) {
			l.mu.Lock()
			l.length, l.wireLength = n, wire
			l.mu.Unlock()
		},
	}
}

func (l *lastIn) get() (string, int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.encoding, l.length, l.wireLength
}
