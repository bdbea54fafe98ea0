// sds-server: an SDS peer for Meshlet's tests, built on go-control-plane's own xDS server and
// snapshot cache (the pieces real control planes are made of), serving Envoy's
// SecretDiscoveryService on a Unix socket as Istio's node agent does.
//
// It serves two secrets, "default" (tls_certificate: chain + key) and "ROOTCA"
// (validation_context: trusted_ca), read from the PEM files named by flags. It prints
// `READY <socket>` once serving, then one line per event the tests wait for:
//
//	REQUEST stream=<id> version=<v> nonce=<n> names=<a,b> node=<id>   a first request on a stream
//	ACK stream=<id> version=<v> nonce=<n>                            a request acknowledging a response
//	NACK stream=<id> version=<v> nonce=<n> error=<message>          a request with error_detail
//	SENT stream=<id> version=<v> nonce=<n>                           a response went out
//	SET version=<v>                                                  a new snapshot is in place
//	CLOSED stream=<id>
//
// Commands on stdin, one a line:
//
//	rotate <cert> <key> <ca>   new snapshot (next version) from these files
//	bad                        new snapshot whose private key does not match the certificate
//	garbage                    new snapshot whose certificate is not PEM at all
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	secretservice "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
)

// oneNode serves the same snapshot to every node: the tests run one workload per server.
type oneNode struct{}

func (oneNode) ID(*core.Node) string { return "workload" }

// out serializes the event lines (callbacks run on the streams' goroutines).
var outMu sync.Mutex

func say(format string, args ...any) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

func inline(b []byte) *core.DataSource {
	return &core.DataSource{Specifier: &core.DataSource_InlineBytes{InlineBytes: b}}
}

type server struct {
	cache    cachev3.SnapshotCache
	certName string
	caName   string

	mu      sync.Mutex
	version int
	current string // the version in the cache now
}

func (s *server) set(cert, key, ca []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	v := fmt.Sprintf("v%d", s.version)
	secrets := []types.Resource{
		&tlsv3.Secret{Name: s.certName, Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
			CertificateChain: inline(cert),
			PrivateKey:       inline(key),
		}}},
		&tlsv3.Secret{Name: s.caName, Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: inline(ca),
		}}},
	}
	snap, err := cachev3.NewSnapshot(v, map[resourcev3.Type][]types.Resource{resourcev3.SecretType: secrets})
	if err != nil {
		return err
	}
	if err := s.cache.SetSnapshot(context.Background(), "workload", snap); err != nil {
		return err
	}
	s.current = v
	say("SET version=%s", v)
	return nil
}

func (s *server) currentVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

func readAll(paths ...string) ([][]byte, error) {
	out := make([][]byte, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// strangerKey is a fresh EC key in PEM: it matches no certificate.
func strangerKey() []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func main() {
	socket := flag.String("socket", "", "Unix socket path to serve on")
	certFile := flag.String("cert", "", "certificate chain PEM")
	keyFile := flag.String("key", "", "private key PEM")
	caFile := flag.String("ca", "", "trusted roots PEM")
	certName := flag.String("cert-name", "default", "resource name of the workload certificate")
	caName := flag.String("ca-name", "ROOTCA", "resource name of the trusted roots")
	flag.Parse()
	if *socket == "" || *certFile == "" || *keyFile == "" || *caFile == "" {
		fmt.Fprintln(os.Stderr, "usage: sds-server -socket PATH -cert PEM -key PEM -ca PEM")
		os.Exit(2)
	}

	s := &server{cache: cachev3.NewSnapshotCache(false, oneNode{}, nil), certName: *certName, caName: *caName}
	files, err := readAll(*certFile, *keyFile, *caFile)
	if err == nil {
		err = s.set(files[0], files[1], files[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sds-server:", err)
		os.Exit(1)
	}

	callbacks := serverv3.CallbackFuncs{
		StreamRequestFunc: func(id int64, req *discovery.DiscoveryRequest) error {
			switch {
			case req.GetErrorDetail() != nil:
				say("NACK stream=%d version=%s nonce=%s error=%s", id, req.GetVersionInfo(), req.GetResponseNonce(),
					strings.ReplaceAll(req.GetErrorDetail().GetMessage(), "\n", " "))
				// The snapshot cache answers any request whose version differs from its own at once, so a
				// NACK (which names the last good version) would be answered with the rejected snapshot again,
				// in a loop. Istio's agent does not resend what was rejected: wait for the next snapshot.
				req.VersionInfo = s.currentVersion()
			case req.GetResponseNonce() == "":
				node := ""
				if req.GetNode() != nil {
					node = req.GetNode().GetId()
				}
				say("REQUEST stream=%d version=%s nonce= names=%s node=%s", id, req.GetVersionInfo(),
					strings.Join(req.GetResourceNames(), ","), node)
			default:
				say("ACK stream=%d version=%s nonce=%s", id, req.GetVersionInfo(), req.GetResponseNonce())
			}
			return nil
		},
		StreamResponseFunc: func(_ context.Context, id int64, _ *discovery.DiscoveryRequest, resp *discovery.DiscoveryResponse) {
			say("SENT stream=%d version=%s nonce=%s", id, resp.GetVersionInfo(), resp.GetNonce())
		},
		StreamClosedFunc: func(id int64, _ *core.Node) { say("CLOSED stream=%d", id) },
	}
	xds := serverv3.NewServer(context.Background(), s.cache, callbacks)

	_ = os.Remove(*socket) // a socket left by a killed predecessor
	lis, err := net.Listen("unix", *socket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sds-server:", err)
		os.Exit(1)
	}
	g := grpc.NewServer()
	secretservice.RegisterSecretDiscoveryServiceServer(g, xds)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		g.Stop()
		_ = os.Remove(*socket)
		os.Exit(0)
	}()

	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			f := strings.Fields(in.Text())
			if len(f) == 0 {
				continue
			}
			var err error
			switch {
			case f[0] == "rotate" && len(f) == 4:
				var files [][]byte
				if files, err = readAll(f[1], f[2], f[3]); err == nil {
					err = s.set(files[0], files[1], files[2])
				}
			case f[0] == "bad":
				if files, e := readAll(*certFile, *caFile); e == nil {
					err = s.set(files[0], strangerKey(), files[1])
				} else {
					err = e
				}
			case f[0] == "garbage":
				err = s.set([]byte("not a certificate"), []byte("not a key"), []byte("not a ca"))
			default:
				err = fmt.Errorf("unknown command %q", in.Text())
			}
			if err != nil {
				say("ERROR %s", err)
			}
		}
	}()

	say("READY %s", *socket)
	if err := g.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, "sds-server:", err)
		os.Exit(1)
	}
}
