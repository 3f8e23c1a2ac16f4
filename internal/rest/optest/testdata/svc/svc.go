// Package svc is a service package for optest's own test: each function
// below is a right or a wrong way to name a request's operation.
package svc

import (
	"context"

	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

const opList = "svc.List"

type Client struct{ rc *rest.Client }

func (c *Client) Get(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: "svc.Get", Method: "GET", Path: "/x"})
	return err
}

func (c *Client) List(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: opList, Method: "GET", Path: "/x"})
	return err
}

func (c *Client) Start(ctx context.Context) error { return c.action(ctx, "svc.Start") }

func (c *Client) Stop(ctx context.Context) error { return c.action(ctx, "svc.Start") } // wrong: names Start

func (c *Client) action(ctx context.Context, op string) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: op, Method: "POST", Path: "/x"})
	return err
}

func (c *Client) poll(ctx context.Context) error { // unexported: any exported name will do
	_, err := c.rc.Do(ctx, &rest.Request{Op: "svc.Get", Method: "GET", Path: "/x"})
	return err
}

func (c *Client) Missing(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Method: "GET", Path: "/x"})
	return err
}

func (c *Client) Misnamed(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: "svc.Get", Method: "GET", Path: "/x"})
	return err
}

func (c *Client) OtherPackage(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: "nova.OtherPackage", Method: "GET", Path: "/x"})
	return err
}

func (c *Client) Computed(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: opName("Computed"), Method: "GET", Path: "/x"})
	return err
}

func (c *Client) unexported(ctx context.Context) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: "svc.nothing", Method: "GET", Path: "/x"})
	return err
}

func opName(s string) string { return "svc." + s }

// call carries the exported method's name to do, which prefixes it.
type call struct {
	feature string
	path    string
}

func (c *Client) do(ctx context.Context, cl *call) error {
	_, err := c.rc.Do(ctx, &rest.Request{Op: "svc." + cl.feature, Method: "POST", Path: cl.path})
	return err
}

func (c *Client) actionCall(feature string) *call { return &call{feature: feature, path: "/a"} }

func (c *Client) Check(ctx context.Context) error { return c.do(ctx, c.actionCall("Check")) }

func (c *Client) Cancel(ctx context.Context) error { return c.do(ctx, &call{feature: "Cancel"}) }

func (c *Client) Complete(ctx context.Context) error { return c.do(ctx, &call{feature: "Cancel"}) } // wrong: names Cancel

func (c *Client) Reset(ctx context.Context) error { return c.do(ctx, &call{path: "/r"}) } // wrong: no feature
