// motan-server: the conformance kit's EchoService and the fleet's FleetService served by motan-go
// (released v1.2.0) over motan2, in group `conformance`, for Meshlet consumers to face.
//
//	motan-server [-listen 0] [-registry direct|zookeeper://127.0.0.1:2181] [-group conformance]
//
// Prints `READY <port>`; on SIGTERM it takes its services out of the registry, answers the calls
// under way and exits 0. A request in either serialization motan-go reads (simple, breeze) is
// answered in that serialization.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"

	motan "github.com/weibocom/motan-go"
	"meshlet.test/fleet/internal/peer"
)

func main() {
	listen := flag.Int("listen", 0, "port to serve on (0: a free one)")
	registry := flag.String("registry", "direct", "direct or zookeeper://host:port")
	group := flag.String("group", "conformance", "motan group of both services")
	gzip := flag.Int("gzip", 0, "gzip response bodies longer than this many bytes (motan's mingzSize; 0: off)")
	flag.Parse()
	port := *listen
	if port == 0 {
		port = peer.FreePort()
	}
	var inFlight atomic.Int64
	motan.GetDefaultExtFactory().RegistExtProvider(peer.ProviderName, peer.NewProvider(&inFlight))
	conf, dir := peer.WriteConfig("server", fmt.Sprintf(`motan-server:
  log_dir: $DIR
  application: motan-go-fleet-provider
motan-registry:
%s
motan-basicService:
  fleet-basic:
    application: motan-go-fleet-provider
    group: %s
    registry: fleet-registry
    serialization: simple
    provider: %s
    host: 127.0.0.1
    mingzSize: %d
motan-service:
  echo:
    path: com.meshlet.conformance.EchoService
    basicService: fleet-basic
    ref: echo
    version: "1.0"
    export: "motan2:%d"
  fleet:
    path: com.meshlet.fleet.FleetService
    basicService: fleet-basic
    ref: fleet
    version: "1.0"
    export: "motan2:%d"
`, peer.RegistryYaml("fleet-registry", *registry), *group, peer.ProviderName, *gzip, port, port))
	ctx := motan.GetMotanServerContext(conf)
	if ctx == nil {
		peer.Fatal("motan-go rejected its config %s", conf)
	}
	must(ctx.RegisterService(&peer.EchoService{}, "echo"))
	must(ctx.RegisterService(&peer.FleetService{}, "fleet"))
	ctx.Start(nil)
	peer.WaitListening(port)
	ctx.ServicesAvailable()
	peer.Serve(port, func() {
		ctx.ServicesUnavailable()
		peer.Drain(&inFlight)
		os.RemoveAll(dir)
	})
}

func must(err error) {
	if err != nil {
		peer.Fatal("%v", err)
	}
}
