package peer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func sleepMs(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }

// WriteConfig writes a motan-go yaml config into a fresh temp dir; returns its path and the dir
// (for logs). motan-go reads config only from files.
func WriteConfig(name, yaml string) (string, string) {
	dir, err := os.MkdirTemp("", "motan-go-"+name+"-")
	if err != nil {
		Fatal("temp dir: %v", err)
	}
	yaml = strings.ReplaceAll(yaml, "$DIR", dir)
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		Fatal("write %s: %v", path, err)
	}
	return path, dir
}

// RegistryYaml is one motan-registry entry: `direct` (no registry) or `zookeeper://host:port`.
func RegistryYaml(id, registry string) string {
	if registry == "" || registry == "direct" {
		return fmt.Sprintf("  %s:\n    protocol: direct\n", id)
	}
	if !strings.HasPrefix(registry, "zookeeper://") {
		Fatal("unknown registry %q (direct or zookeeper://host:port)", registry)
	}
	hostPort := strings.TrimPrefix(registry, "zookeeper://")
	host, port, ok := strings.Cut(hostPort, ":")
	if !ok {
		Fatal("registry %q has no port", registry)
	}
	return fmt.Sprintf("  %s:\n    protocol: zookeeper\n    host: %s\n    port: %s\n    registrySessionTimeout: 10000\n    requestTimeout: 5000\n", id, host, port)
}
