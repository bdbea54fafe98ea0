package peer

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// FreePort asks the kernel for a free loopback port (motan-go takes a port number, not a listener).
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		Fatal("no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Serve prints the kit's `READY <port>` and, on SIGTERM or SIGINT, runs stop and exits 0.
func Serve(port int, stop func()) {
	fmt.Printf("READY %d\n", port)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	stop()
	os.Exit(0)
}

// Fatal prints to stderr and exits 2.
func Fatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

// WaitListening waits until something accepts on 127.0.0.1:port (motan-go opens its listener in
// the background).
func WaitListening(port int) {
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		sleepMs(50)
	}
	Fatal("nothing listens on %d", port)
}

// Drain waits until no call has been under way for 300 ms (or 30 s pass): calls already sent on
// open connections are answered before the process exits.
func Drain(inFlight *atomic.Int64) {
	quiet := 0
	for i := 0; i < 3000 && quiet < 30; i++ {
		if inFlight.Load() == 0 {
			quiet++
		} else {
			quiet = 0
		}
		sleepMs(10)
	}
}
