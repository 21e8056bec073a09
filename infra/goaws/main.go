// Command goaws serves goaws (github.com/Admiral-Piett/goaws, pinned in
// go.mod: the SQS stand-in the queue's SQS adapter is tested against) on a
// loopback address.
//
// It is goaws's own router and its once-a-second sweep of the queues
// (received messages whose visibility timeout ran out become visible
// again), started here rather than by goaws's main because that main
// listens on every interface ("0.0.0.0:PORT") and reads a YAML file of
// queues to make; the stand-ins listen on loopback only, and the tests make
// their own queues. make tools builds it into .cache/bin; infra/standins
// starts it on a free port. It is a module of its own, so goaws's
// dependencies (the v1 AWS SDK, gorilla/mux, logrus) stay out of the
// product's go.mod. goaws speaks SQS's query protocol only; the tests'
// client is set to speak it (infra/standins).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	log "github.com/sirupsen/logrus"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "the loopback address to listen on")
	account := flag.String("account", "111122223333", "the account id in the queues' URLs and ARNs")
	flag.Parse()
	if err := run(*addr, *account); err != nil {
		fmt.Fprintln(os.Stderr, "goaws:", err)
		os.Exit(1)
	}
}

func run(addr, account string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// What goaws's main would read from its YAML file. No region: a
	// queue's URL is then http://HOST:PORT/ACCOUNT/NAME, an address that
	// answers (with one, goaws puts the region before the host).
	app.CurrentEnvironment = app.Environment{
		Host: host, Port: port, AccountID: account,
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 256 << 10},
	}
	log.SetOutput(os.Stderr)
	log.SetLevel(log.WarnLevel) // goaws logs every message at Info
	go gosqs.PeriodicTasks(time.Second, make(chan struct{}))
	log.Warnf("goaws on http://%s", ln.Addr())
	return http.Serve(ln, router.New())
}
