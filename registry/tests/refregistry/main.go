// Command refregistry serves go-containerregistry's registry (pkg/registry, v0.22.1) with its
// referrers API turned on, for sealcheck's registry tests: `crane registry serve` from the same
// module does not turn it on (it builds the handler without registry.WithReferrersSupport), so
// it answers GET /v2/<name>/referrers/<digest> with 404 like distribution does.
//
// Usage: refregistry -address 127.0.0.1:PORT
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "address to listen on (loopback only)")
	verbose := flag.Bool("v", false, "log every request to stderr")
	flag.Parse()
	host, _, err := net.SplitHostPort(*address)
	if err != nil {
		log.Fatalf("-address %q: %v", *address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("-address %q: only loopback addresses are served", *address)
	}
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatal(err)
	}
	requests := io.Discard
	if *verbose {
		requests = os.Stderr
	}
	handler := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(requests, "", log.LstdFlags)))
	log.Printf("serving on %s", listener.Addr())
	server := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: handler}
	log.Fatal(server.Serve(listener))
}
