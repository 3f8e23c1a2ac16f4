package otel_test

import (
	"context"
	"fmt"
	"log"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cloudmigrate/cloudmigrate"
	cmotel "github.com/cloudmigrate/cloudmigrate/contrib/otel"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// Every attempt a client sends becomes a client span: here the version
// discovery nova's first call makes, then the listing, throttled once and
// sent again.
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	obs, err := cmotel.NewObserver(cmotel.WithTracerProvider(tp))
	if err != nil {
		log.Fatal(err)
	}

	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1")
	srv.AddServer("vm-1", "compute1", novatest.StatusActive)
	srv.Throttle(novatest.OpListServerMigrations, 1, 0)

	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer(),
		cloudmigrate.WithObserver(obs), cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.ListServerMigrations(context.Background(), "vm-1"); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.Ended() {
		line := s.Name()
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case "cloudmigrate.operation", "http.response.status_code", "http.request.resend_count", "cloudmigrate.retry_reason":
				line += fmt.Sprintf(" %s=%s", kv.Key, kv.Value.String())
			}
		}
		fmt.Println(line)
	}
	// Output:
	// GET / cloudmigrate.operation=nova.Microversion http.response.status_code=200
	// GET /servers/{server_id}/migrations cloudmigrate.operation=nova.ListServerMigrations http.response.status_code=429
	// GET /servers/{server_id}/migrations cloudmigrate.operation=nova.ListServerMigrations http.request.resend_count=1 cloudmigrate.retry_reason=throttled http.response.status_code=200
}
