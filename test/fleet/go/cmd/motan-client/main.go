// motan-client: the conformance kit's cases and the fleet cases run by a motan-go (released
// v1.2.0) client against a motan2 provider (Meshlet's), one JSON line per case and
// `N passed, N failed` last, exit 0 only when all passed; or, with -bench, a load run printing one
// JSON line as examples/conformance/bench.js does.
//
//	motan-client -target 127.0.0.1:PORT | -registry zookeeper://127.0.0.1:2181 [-group conformance]
//	             [-serialization simple|breeze] [-skip case,case] [-suite kit|errors|drain|load]
//	             [-calls 128] [-retries 0]   (load: -target a,b; see load.go)
//	motan-client -bench -target 127.0.0.1:PORT -method echo -payload 1024 -concurrency 128 -seconds 5 [-connections 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"

	motan "github.com/weibocom/motan-go"
	"meshlet.test/fleet/internal/peer"
)

func main() {
	target := flag.String("target", "", "provider host:port (direct registry)")
	registry := flag.String("registry", "", "zookeeper://host:port instead of -target")
	group := flag.String("group", "conformance", "motan group")
	serialization := flag.String("serialization", "simple", "simple or breeze")
	skip := flag.String("skip", "", "cases this run cannot express, comma-separated")
	suite := flag.String("suite", "kit", "kit (conformance + fleet cases) or errors (unknown service/method, groups)")
	bench := flag.Bool("bench", false, "load mode")
	method := flag.String("method", "echo", "bench: method (echo)")
	payload := flag.Int("payload", 1024, "bench: payload bytes")
	concurrency := flag.Int("concurrency", 128, "bench: calls in flight")
	seconds := flag.Float64("seconds", 5, "bench: duration")
	connections := flag.Int("connections", 1, "bench: connections to the provider")
	calls := flag.Int("calls", 128, "load: goroutines calling back to back")
	retries := flag.Int("retries", 0, "failover retries (motan-go's default 0)")
	flag.Parse()
	if (*target == "") == (*registry == "") {
		peer.Fatal("give -target host:port or -registry zookeeper://host:port")
	}
	var results sync.Map
	motan.GetDefaultExtFactory().RegistExtFilter(peer.CaptureFilterName, peer.NewCaptureFilter(&results))
	refs := clientConfig(*target, *registry, *group, *serialization, *connections, *retries)
	conf, dir := peer.WriteConfig("client", refs)
	// os.Exit skips deferred calls: every exit below goes through done.
	done := func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}
	ctx := motan.GetClientContext(conf)
	if ctx == nil {
		peer.Fatal("motan-go rejected its config %s", conf)
	}
	ctx.Start(nil)
	c := &caller{ctx: ctx, results: &results}
	if *bench {
		done(runBench(c, *method, *payload, *concurrency, *seconds))
	}
	r := newRunner(strings.Split(*skip, ","))
	switch *suite {
	case "kit":
		kitCases(r, c)
		fleetCases(r, c)
	case "errors":
		errorCases(r, c)
	case "drain":
		drainCases(r, c)
	case "load":
		loadCases(r, c, *calls)
	default:
		peer.Fatal("unknown suite %q", *suite)
	}
	done(r.finish())
}

// refers: the kit's EchoService at three timeouts (the kit's 10 s, 200 ms for sleep/timeout,
// 30 s for 128 in flight), FleetService, and two refers the errors suite needs.
var refers = []struct{ id, path, timeout, group string }{
	{"echo", "com.meshlet.conformance.EchoService", "10000", ""},
	{"echo-quick", "com.meshlet.conformance.EchoService", "200", ""},
	{"echo-long", "com.meshlet.conformance.EchoService", "30000", ""},
	{"fleet", "com.meshlet.fleet.FleetService", "30000", ""},
	{"missing", "com.meshlet.NoSuchService", "5000", ""},
	{"other-group", "com.meshlet.conformance.EchoService", "5000", "other"},
}

func clientConfig(target, registry, group, serialization string, connections, retries int) string {
	reg := "  fleet-registry:\n    protocol: direct\n    address: " + target + "\n"
	if registry != "" {
		reg = peer.RegistryYaml("fleet-registry", registry)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "motan-client:\n  log_dir: $DIR\n  application: motan-go-fleet-consumer\nmotan-registry:\n%s", reg)
	fmt.Fprintf(&b, `motan-basicRefer:
  fleet-basic:
    application: motan-go-fleet-consumer
    group: %s
    protocol: motan2
    registry: fleet-registry
    serialization: %s
    haStrategy: failover
    loadbalance: random
    retries: %d
    asyncInitConnection: false
    clientConnection: %d
    filter: %s
motan-refer:
`, group, serialization, retries, connections, peer.CaptureFilterName)
	for _, r := range refers {
		fmt.Fprintf(&b, "  %s:\n    path: %s\n    basicRefer: fleet-basic\n    requestTimeout: %s\n", r.id, r.path, r.timeout)
		if r.group != "" {
			fmt.Fprintf(&b, "    group: %s\n", r.group)
		}
	}
	return b.String()
}
