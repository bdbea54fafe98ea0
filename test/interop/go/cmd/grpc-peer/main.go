// grpc-peer: grpc-go on the other side of Meshlet's Triple transport (test/interop/triple-grpc-go.test.js).
//
//	grpc-peer server                  serves meshlet.interop.Echo on 127.0.0.1:0, prints "READY <port>",
//	                                  and "EVENT <name> <value>" lines for what only the server sees
//	grpc-peer client --target h:p     runs the cases against a Meshlet tri provider, one JSON line each,
//	                                  last line "N passed, N failed"; exits 1 if any failed
package main

import (
	"flag"
	"fmt"
	"os"

	_ "google.golang.org/grpc/encoding/gzip" // registers grpc-go's gzip compressor for both modes
)

const (
	service  = "meshlet.interop.Echo"
	mib16    = 16 * 1024 * 1024
	bigLimit = mib16 + 1024
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grpc-peer server | client --target host:port")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "client":
		fs := flag.NewFlagSet("client", flag.ExitOnError)
		target := fs.String("target", "", "host:port of a Meshlet tri provider")
		_ = fs.Parse(os.Args[2:])
		if *target == "" {
			fmt.Fprintln(os.Stderr, "client: --target is required")
			os.Exit(2)
		}
		os.Exit(runClient(*target))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}
