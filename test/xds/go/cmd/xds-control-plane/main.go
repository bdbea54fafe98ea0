// xds-control-plane: an xDS management server for Meshlet's tests, built on go-control-plane's own
// ADS server and snapshot cache (what real Go control planes are made of). It serves ADS, both
// state-of-the-world (StreamAggregatedResources) and incremental (DeltaAggregatedResources), on a
// loopback TCP port, and a tiny HTTP API on another loopback port that the tests drive:
//
//	POST /snapshot {"node": "<id>", "version": "<v>", "resources": [<protojson with "@type">, ...]}
//	    sets the snapshot of that node: every Envoy resource type go-control-plane registers parses
//	    (protojson resolves "@type" through the global registry), grouped by type URL. 400 + message
//	    when a resource does not parse.
//	GET /acks     the ACKs and NACKs seen so far, in order (JSON array; see event)
//	GET /events   every request, response and stream close seen so far
//
// It prints `READY xds=<port> api=<port>` once both listen. Killed and started again with the same
// -xds-port and -api-port it serves the same ports, with an empty cache (a restarted control plane).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
)

// nodeID keys snapshots by the node id the client sends in its first request.
type nodeID struct{}

func (nodeID) ID(n *core.Node) string { return n.GetId() }

// event is one thing the server saw, as the tests read it.
type event struct {
	Seq     int    `json:"seq"`
	Kind    string `json:"kind"` // request | ack | nack | sent | closed
	Delta   bool   `json:"delta"`
	Stream  int64  `json:"stream"`
	Node    string `json:"node,omitempty"`
	TypeURL string `json:"typeUrl,omitempty"`
	// SotW: the request's version_info; delta: the version of the response a (N)ACK answers.
	Version     string   `json:"version"`
	Nonce       string   `json:"nonce"`
	Error       string   `json:"error,omitempty"`
	Names       []string `json:"names,omitempty"` // SotW resource_names, delta subscribe / sent names
	Unsubscribe []string `json:"unsubscribe,omitempty"`
	Removed     []string `json:"removed,omitempty"` // delta responses: removed_resources
	// delta: initial_resource_versions of a stream's first request (what the client holds).
	Initial map[string]string `json:"initial,omitempty"`
}

type recorder struct {
	mu     sync.Mutex
	events []event
	nodes  map[int64]string // stream -> node id of its first request
	sent   map[string]string
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Seq = len(r.events)
	r.events = append(r.events, e)
}

func (r *recorder) node(stream int64, n *core.Node) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n != nil && n.GetId() != "" {
		r.nodes[stream] = n.GetId()
	}
	return r.nodes[stream]
}

func (r *recorder) sentVersion(nonce string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[nonce]
}

func (r *recorder) list(filter func(event) bool) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []event{}
	for _, e := range r.events {
		if filter(e) {
			out = append(out, e)
		}
	}
	return out
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

func main() {
	xdsPort := flag.Int("xds-port", 0, "loopback port for ADS (0: any free)")
	apiPort := flag.Int("api-port", 0, "loopback port for the HTTP API (0: any free)")
	flag.Parse()

	cache := cachev3.NewSnapshotCache(false, nodeID{}, nil)
	rec := &recorder{nodes: map[int64]string{}, sent: map[string]string{}}

	callbacks := serverv3.CallbackFuncs{
		StreamRequestFunc: func(id int64, req *discovery.DiscoveryRequest) error {
			node := rec.node(id, req.GetNode())
			e := event{Stream: id, Node: node, TypeURL: req.GetTypeUrl(), Version: req.GetVersionInfo(),
				Nonce: req.GetResponseNonce(), Names: req.GetResourceNames()}
			switch {
			case req.GetErrorDetail() != nil:
				e.Kind, e.Error = "nack", oneLine(req.GetErrorDetail().GetMessage())
				// The snapshot cache answers at once any request whose version differs from its own, so
				// a NACK (naming the last good version) would get the rejected snapshot back, in a loop.
				// A real control plane waits for a new config: so does this one.
				if snap, err := cache.GetSnapshot(node); err == nil {
					req.VersionInfo = snap.GetVersion(req.GetTypeUrl())
				}
			case req.GetResponseNonce() == "":
				e.Kind = "request"
			default:
				e.Kind = "ack"
			}
			rec.add(e)
			return nil
		},
		StreamResponseFunc: func(_ context.Context, id int64, _ *discovery.DiscoveryRequest, resp *discovery.DiscoveryResponse) {
			rec.mu.Lock()
			rec.sent[resp.GetNonce()] = resp.GetVersionInfo()
			rec.mu.Unlock()
			rec.add(event{Kind: "sent", Stream: id, TypeURL: resp.GetTypeUrl(), Version: resp.GetVersionInfo(),
				Nonce: resp.GetNonce()})
		},
		StreamDeltaRequestFunc: func(id int64, req *discovery.DeltaDiscoveryRequest) error {
			node := rec.node(id, req.GetNode())
			e := event{Delta: true, Stream: id, Node: node, TypeURL: req.GetTypeUrl(), Nonce: req.GetResponseNonce(),
				Names: req.GetResourceNamesSubscribe(), Unsubscribe: req.GetResourceNamesUnsubscribe(),
				Initial: req.GetInitialResourceVersions()}
			switch {
			case req.GetErrorDetail() != nil:
				e.Kind, e.Error = "nack", oneLine(req.GetErrorDetail().GetMessage())
				e.Version = rec.sentVersion(e.Nonce)
			case req.GetResponseNonce() == "":
				e.Kind = "request"
			default:
				e.Kind = "ack"
				e.Version = rec.sentVersion(e.Nonce)
			}
			rec.add(e)
			return nil
		},
		StreamDeltaResponseFunc: func(id int64, _ *discovery.DeltaDiscoveryRequest, resp *discovery.DeltaDiscoveryResponse) {
			names := make([]string, 0, len(resp.GetResources()))
			for _, r := range resp.GetResources() {
				names = append(names, r.GetName())
			}
			rec.mu.Lock()
			rec.sent[resp.GetNonce()] = resp.GetSystemVersionInfo()
			rec.mu.Unlock()
			rec.add(event{Kind: "sent", Delta: true, Stream: id, TypeURL: resp.GetTypeUrl(),
				Version: resp.GetSystemVersionInfo(), Nonce: resp.GetNonce(), Names: names, Removed: resp.GetRemovedResources()})
		},
		StreamClosedFunc: func(id int64, n *core.Node) {
			rec.add(event{Kind: "closed", Stream: id, Node: n.GetId()})
		},
		DeltaStreamClosedFunc: func(id int64, n *core.Node) {
			rec.add(event{Kind: "closed", Delta: true, Stream: id, Node: n.GetId()})
		},
	}
	srv := serverv3.NewServer(context.Background(), cache, callbacks)

	xdsLis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *xdsPort))
	if err != nil {
		fmt.Fprintln(os.Stderr, "xds-control-plane:", err)
		os.Exit(1)
	}
	apiLis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *apiPort))
	if err != nil {
		fmt.Fprintln(os.Stderr, "xds-control-plane:", err)
		os.Exit(1)
	}

	g := grpc.NewServer()
	discovery.RegisterAggregatedDiscoveryServiceServer(g, srv)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /snapshot", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = setSnapshot(cache, body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	serveEvents := func(filter func(event) bool) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("content-type", "application/json")
			_ = json.NewEncoder(w).Encode(rec.list(filter))
		}
	}
	mux.HandleFunc("GET /acks", serveEvents(func(e event) bool { return e.Kind == "ack" || e.Kind == "nack" }))
	mux.HandleFunc("GET /events", serveEvents(func(event) bool { return true }))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		g.Stop()
		os.Exit(0)
	}()
	go func() {
		if err := http.Serve(apiLis, mux); err != nil {
			fmt.Fprintln(os.Stderr, "xds-control-plane api:", err)
			os.Exit(1)
		}
	}()

	fmt.Printf("READY xds=%d api=%d\n", xdsLis.Addr().(*net.TCPAddr).Port, apiLis.Addr().(*net.TCPAddr).Port)
	if err := g.Serve(xdsLis); err != nil {
		fmt.Fprintln(os.Stderr, "xds-control-plane:", err)
		os.Exit(1)
	}
}

// setSnapshot parses {"node", "version", "resources": [...]} and puts it in the cache.
func setSnapshot(cache cachev3.SnapshotCache, body []byte) error {
	var req struct {
		Node      string            `json:"node"`
		Version   string            `json:"version"`
		Resources []json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if req.Node == "" || req.Version == "" {
		return fmt.Errorf("node and version are required")
	}
	byType := map[string][]types.Resource{}
	for i, raw := range req.Resources {
		var a anypb.Any
		if err := protojson.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("resources[%d]: %w", i, err)
		}
		m, err := a.UnmarshalNew()
		if err != nil {
			return fmt.Errorf("resources[%d]: %w", i, err)
		}
		byType[a.GetTypeUrl()] = append(byType[a.GetTypeUrl()], m.(types.Resource))
	}
	snap, err := cachev3.NewSnapshot(req.Version, byType)
	if err != nil {
		return err
	}
	return cache.SetSnapshot(context.Background(), req.Node, snap)
}
