// motan-agent: the motan-go agent (WeiboMesh sidecar, motan-go v1.2.0) started through its public
// API (motan.NewAgent + StartMotanAgent) on free loopback ports, with a ZooKeeper registry it
// registers proxied services in and discovers clusters from.
//
//	motan-agent -zk 127.0.0.1:2181
//
// Prints `AGENT {"port":…,"eport":…,"mport":…,"hport":…}` then `READY <port>` (the port local
// apps call); stops on SIGTERM.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	motan "github.com/weibocom/motan-go"
	"meshlet.test/fleet/internal/peer"
)

func main() {
	zk := flag.String("zk", "", "ZooKeeper host:port the agent registers and discovers with")
	flag.Parse()
	if *zk == "" {
		peer.Fatal("give -zk host:port")
	}
	// Register proxied services under 127.0.0.1, not the host's first interface.
	if err := flag.Set("localIP", "127.0.0.1"); err != nil {
		peer.Fatal("localIP: %v", err)
	}
	ports := map[string]int{"port": peer.FreePort(), "eport": peer.FreePort(), "mport": peer.FreePort(), "hport": peer.FreePort()}
	zkHost, zkPort, _ := strings.Cut(*zk, ":")
	conf, dir := peer.WriteConfig("agent", fmt.Sprintf(`motan-agent:
  port: %d
  eport: %d
  mport: %d
  hport: %d
  log_dir: $DIR
  runtime_dir: $DIR
  pidfile: $DIR/agent.pid
  registry: zk-registry
  application: meshlet-fleet-agent
motan-registry:
  zk-registry:
    protocol: zookeeper
    host: %s
    port: %s
    registrySessionTimeout: 10000
    requestTimeout: 5000
`, ports["port"], ports["eport"], ports["mport"], ports["hport"], zkHost, zkPort))
	agent := motan.NewAgent(nil)
	agent.ConfigFile = conf
	go agent.StartMotanAgent()
	peer.WaitListening(ports["port"])
	peer.WaitListening(ports["mport"])
	b, _ := json.Marshal(ports)
	fmt.Printf("AGENT %s\n", b)
	peer.Serve(ports["port"], func() { os.RemoveAll(dir) })
}
