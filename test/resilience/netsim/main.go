// netsim: a userspace Ethernet switch with per-flow impairments (delay, loss, partition), for the
// network-fault suite (test/resilience/netem.test.js). It runs in the suite's hub namespace and
// joins the veth ends given as arguments, like a bridge. It exists because `tc netem` is a kernel
// module that some kernels (the VM this suite was written on) do not have; a userspace switch works wherever
// network namespaces do, and TCP on either side still sees real lost and delayed packets.
//
// Control, one command per stdin line, each answered by one stdout line ("ok" or "error ..."):
//
//	set <srcIPv4> <dstIPv4> <delayMs> <lossPercent>   impair IPv4 packets from src to dst
//	stats                                             "stats <forwarded> <dropped>"
//
// Packets are read and written with a virtio-net header (PACKET_VNET_HDR), so segmentation offload
// and partial checksums pass through as the kernel left them: without it, a veth's large GSO
// packets could not be re-sent and its partial checksums would arrive unfinished. A lost GSO
// packet is a burst of lost segments, as on a congested link.
package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	ethPAll        = 0x0003
	packetVnetHdr  = 15 // PACKET_VNET_HDR
	packetOutgoing = 4  // PACKET_OUTGOING: our own sends, seen again by the socket
	vnetHdrLen     = 10
	// Frames waiting out a delay per flow, as netem's default limit is 1000: beyond, drop.
	queueLimit = 100000
)

type port struct {
	name string
	fd   int
	mu   sync.Mutex
}

func (p *port) write(frame []byte) {
	p.mu.Lock()
	_, _ = syscall.Write(p.fd, frame)
	p.mu.Unlock()
}

type delayed struct {
	due   time.Time
	out   []*port
	frame []byte
}

// flow holds the impairment of one (src, dst) pair. Delayed frames of a flow keep their order.
type flow struct {
	delay time.Duration
	loss  float64
	queue chan delayed
}

type key [8]byte

var (
	ports     []*port
	macs      sync.Map // [6]byte → *port
	flowsMu   sync.RWMutex
	flows     = map[key]*flow{}
	forwarded atomic.Int64
	dropped   atomic.Int64
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func open(name string) (*port, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(ethPAll)))
	if err != nil {
		return nil, err
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_PACKET, packetVnetHdr, 1); err != nil {
		return nil, fmt.Errorf("PACKET_VNET_HDR: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(ethPAll), Ifindex: ifi.Index}); err != nil {
		return nil, err
	}
	return &port{name: name, fd: fd}, nil
}

// targets: the learned port of the destination MAC, else every other port (unknown, broadcast).
func targets(in *port, dst []byte) []*port {
	var mac [6]byte
	copy(mac[:], dst)
	if dst[0]&1 == 0 {
		if p, ok := macs.Load(mac); ok && p.(*port) != in {
			return []*port{p.(*port)}
		}
	}
	out := make([]*port, 0, len(ports)-1)
	for _, p := range ports {
		if p != in {
			out = append(out, p)
		}
	}
	return out
}

func flowOf(frame []byte) *flow {
	// Ethernet type IPv4; source and destination address at 26 and 30.
	if len(frame) < 34 || frame[12] != 0x08 || frame[13] != 0x00 {
		return nil
	}
	var k key
	copy(k[:], frame[26:34])
	flowsMu.RLock()
	f := flows[k]
	flowsMu.RUnlock()
	return f
}

func serve(in *port) {
	buf := make([]byte, 1<<17)
	for {
		n, from, err := syscall.Recvfrom(in.fd, buf, 0)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			fmt.Fprintf(os.Stderr, "netsim: read %s: %v\n", in.name, err)
			os.Exit(1)
		}
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == packetOutgoing {
			continue
		}
		if n < vnetHdrLen+14 {
			continue
		}
		frame := buf[vnetHdrLen:n]
		var src [6]byte
		copy(src[:], frame[6:12])
		macs.Store(src, in)
		out := targets(in, frame[0:6])
		f := flowOf(frame)
		if f != nil && f.loss > 0 && (f.loss >= 1 || rand.Float64() < f.loss) {
			dropped.Add(1)
			continue
		}
		if f != nil && f.delay > 0 {
			select {
			case f.queue <- delayed{due: time.Now().Add(f.delay), out: out, frame: append([]byte(nil), buf[:n]...)}:
			default:
				dropped.Add(1)
			}
			continue
		}
		forwarded.Add(1)
		for _, p := range out {
			p.write(buf[:n])
		}
	}
}

func drain(f *flow) {
	for d := range f.queue {
		time.Sleep(time.Until(d.due))
		forwarded.Add(1)
		for _, p := range d.out {
			p.write(d.frame)
		}
	}
}

func set(fields []string) error {
	if len(fields) != 5 {
		return fmt.Errorf("usage: set <src> <dst> <delayMs> <lossPercent>")
	}
	src, dst := net.ParseIP(fields[1]).To4(), net.ParseIP(fields[2]).To4()
	delay, err1 := strconv.ParseFloat(fields[3], 64)
	loss, err2 := strconv.ParseFloat(fields[4], 64)
	if src == nil || dst == nil || err1 != nil || err2 != nil || delay < 0 || loss < 0 || loss > 100 {
		return fmt.Errorf("bad arguments %v", fields[1:])
	}
	var k key
	copy(k[0:4], src)
	copy(k[4:8], dst)
	flowsMu.Lock()
	defer flowsMu.Unlock()
	f := flows[k]
	next := &flow{delay: time.Duration(delay * float64(time.Millisecond)), loss: loss / 100}
	if f != nil {
		next.queue = f.queue
	} else {
		next.queue = make(chan delayed, queueLimit)
		go drain(next)
	}
	// Replaced, not mutated: readers hold the old value without a lock.
	flows[k] = next
	return nil
}

func main() {
	for _, name := range os.Args[1:] {
		p, err := open(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "netsim: %s: %v\n", name, err)
			os.Exit(1)
		}
		ports = append(ports, p)
	}
	if len(ports) < 2 {
		fmt.Fprintln(os.Stderr, "usage: netsim <interface> <interface>...")
		os.Exit(2)
	}
	for _, p := range ports {
		go serve(p)
	}
	fmt.Println("READY")
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "set":
			if err := set(fields); err != nil {
				fmt.Println("error", err)
			} else {
				fmt.Println("ok")
			}
		case "stats":
			fmt.Println("stats", forwarded.Load(), dropped.Load())
		default:
			fmt.Println("error unknown command", fields[0])
		}
	}
	// stdin closed: the suite is done (or died); so are we.
}
