package main

// Server mode: the Echo service as a hand-written grpc.ServiceDesc, mirroring the grpc-js server of
// triple-grpc.test.js. What the caller cannot observe (the deadline grpc-go read, a stream's cancellation)
// is printed as "EVENT" lines for the test to read.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
)

var outMu sync.Mutex

func event(name string, value any) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf("EVENT %s %v\n", name, value)
}

func unary(name string, fn func(ctx context.Context, req *Req) (*Rep, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			req := new(Req)
			if err := dec(req); err != nil {
				return nil, err
			}
			return fn(ctx, req)
		},
	}
}

func hello(ctx context.Context, req *Req) (*Rep, error) {
	if dl, ok := ctx.Deadline(); ok {
		event("hello-deadline-ms", time.Until(dl).Milliseconds())
	} else {
		event("hello-deadline-ms", "none")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	var tenant int32
	if v := md.Get("x-tenant"); len(v) == 1 && v[0] == "acme" {
		tenant = 1
	}
	return &Rep{Text: "Hello " + req.Name + " from grpc-go", Index: tenant}, nil
}

func fail(context.Context, *Req) (*Rep, error) {
	st := &spb.Status{
		Code:    int32(codes.FailedPrecondition),
		Message: "not ready: ü",
		Details: []*anypb.Any{{TypeUrl: "type.googleapis.com/google.rpc.ErrorInfo", Value: []byte("detail-bytes")}},
	}
	return nil, status.FromProto(st).Err()
}

func slow(ctx context.Context, _ *Req) (*Rep, error) {
	select {
	case <-time.After(2 * time.Second):
		return &Rep{Text: "late"}, nil
	case <-ctx.Done():
		event("slow-stopped", status.FromContextError(ctx.Err()).Code())
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// big answers size bytes of 'g'; index is the length of the name it received (a large request's proof).
func big(_ context.Context, req *Req) (*Rep, error) {
	return &Rep{Text: strings.Repeat("g", int(req.Size)), Index: int32(len(req.Name))}, nil
}

func count(_ any, stream grpc.ServerStream) error {
	req := new(Req)
	if err := stream.RecvMsg(req); err != nil {
		return err
	}
	for i := int32(0); i < req.Count; i++ {
		if err := stream.SendMsg(&Rep{Text: "c", Index: i}); err != nil {
			return err
		}
	}
	return nil
}

func slowStream(_ any, stream grpc.ServerStream) error {
	req := new(Req)
	if err := stream.RecvMsg(req); err != nil {
		return err
	}
	ctx := stream.Context()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := int32(0); ; i++ {
		if err := stream.SendMsg(&Rep{Text: "t", Index: i}); err != nil {
			event("slowstream-stopped", status.Code(err))
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			code := status.FromContextError(ctx.Err()).Code()
			event("slowstream-stopped", code)
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

func sum(_ any, stream grpc.ServerStream) error {
	var total int32
	for {
		req := new(Req)
		err := stream.RecvMsg(req)
		if err == io.EOF {
			return stream.SendMsg(&Rep{Text: "sum", Index: total})
		}
		if err != nil {
			return err
		}
		total += req.Count
	}
}

func chat(_ any, stream grpc.ServerStream) error {
	for {
		req := new(Req)
		err := stream.RecvMsg(req)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.SendMsg(&Rep{Text: strings.ToUpper(req.Name), Index: req.Count}); err != nil {
			return err
		}
	}
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: service,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("Hello", hello), unary("Fail", fail), unary("Slow", slow), unary("Big", big),
	},
	Streams: []grpc.StreamDesc{
		{StreamName: "Count", Handler: count, ServerStreams: true},
		{StreamName: "SlowStream", Handler: slowStream, ServerStreams: true},
		{StreamName: "Sum", Handler: sum, ClientStreams: true},
		{StreamName: "Chat", Handler: chat, ServerStreams: true, ClientStreams: true},
	},
}

func serve() error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	onWire := wireStats{
		onHeader: func(m, c string) { event("encoding-"+m, c) },
		onPayload: func(m string, n, wire int) {
			if m == "Big" {
				event("wire-Big", fmt.Sprintf("%d/%d", n, wire))
			}
		},
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(bigLimit), grpc.MaxSendMsgSize(bigLimit), grpc.StatsHandler(onWire))
	srv.RegisterService(&echoDesc, struct{}{})
	outMu.Lock()
	fmt.Printf("READY %d\n", lis.Addr().(*net.TCPAddr).Port)
	outMu.Unlock()
	// The test ends the peer by closing its stdin (or killing it).
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		srv.Stop()
	}()
	return srv.Serve(lis)
}
