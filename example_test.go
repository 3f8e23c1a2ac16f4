package cloudmigrate_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
)

// Every service client takes the options of this package. Here an ECS
// client, against the fake of package ecstest, has a throttled read sent
// again while an observer watches each attempt; a bad ID is refused
// before anything is sent, and a missing server is an *Error with the
// service's code.
func Example() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost("deh-a")
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", Status: ecstest.StatusShutoff, HostID: "deh-a"})
	srv.Throttle(ecstest.OpGetServer, 1, 0)

	watch := cloudmigrate.ObserverFunc(func(ctx context.Context, a cloudmigrate.AttemptInfo) (context.Context, func(cloudmigrate.AttemptResult)) {
		return ctx, func(r cloudmigrate.AttemptResult) {
			why := ""
			if a.Retry != "" {
				why = " (" + string(a.Retry) + ")"
			}
			fmt.Printf("%s %s %s: attempt %d%s: %d\n", a.Operation, a.Method, a.Path, a.Attempt, why, r.StatusCode)
		}
	})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(),
		cloudmigrate.WithRetry(3),
		cloudmigrate.WithRetryWait(time.Millisecond, 10*time.Millisecond),
		cloudmigrate.WithObserver(watch))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	s, err := c.GetServer(ctx, "web-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Status)

	_, err = c.GetServer(ctx, "web-1/../other")
	var invalid *cloudmigrate.ValidationError
	fmt.Println(errors.As(err, &invalid), invalid.Field)

	_, err = c.GetServer(ctx, "web-2")
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, cloudmigrate.IsNotFound(err))
	}
	// Output:
	// ecs.GetServer GET /v1/{project_id}/cloudservers/{server_id}: attempt 1: 429
	// ecs.GetServer GET /v1/{project_id}/cloudservers/{server_id}: attempt 2 (throttled): 200
	// SHUTOFF
	// true serverID
	// ecs.GetServer GET /v1/{project_id}/cloudservers/{server_id}: attempt 1: 404
	// 404 Ecs.0114 true
}
