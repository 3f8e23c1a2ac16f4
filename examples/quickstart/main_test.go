package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestQuickstartOnTheFakes runs every flow against the in-process fakes,
// as `go run ./examples/quickstart` does on a machine without credentials.
func TestQuickstartOnTheFakes(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	code := run(context.Background(), nil, &out, false)
	if code != 0 {
		t.Fatalf("exit code %d:\n%s", code, out.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v, want under 30s", d)
	}
	text := out.String()
	summary := text[strings.Index(text, "== Summary"):]
	for _, f := range fakeFlows() {
		line := ""
		for _, l := range strings.Split(summary, "\n") {
			if strings.HasPrefix(l, f.name+" ") {
				line = l
			}
		}
		if line == "" || strings.Contains(line, "FAILED") {
			t.Errorf("flow %s: summary line %q", f.name, line)
		}
	}
	if !strings.Contains(text, "100%") {
		t.Error("no progress bar reached 100%")
	}
}

func TestRealCloudNeedsFlags(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), nil, &out, true); code != 0 || !strings.Contains(out.String(), "No flow selected") {
		t.Errorf("code %d:\n%s", code, out.String())
	}
}

func TestBadFlag(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-nope"}, &out, false); code != 2 {
		t.Errorf("code %d", code)
	}
}

func TestRealFlowsAreChosenByFlags(t *testing.T) {
	cfg := &realConfig{ecsServer: "s1", novaServer: "n1", manilaServer: "m1", maPool: "p"}
	var names []string
	for _, f := range realFlows(cfg) {
		names = append(names, f.name)
	}
	// manila needs -manila-host too, modelarts -modelarts-nodes.
	if strings.Join(names, ",") != "ecs,nova" {
		t.Errorf("flows %v", names)
	}
	if got := splitList(" a, ,b,"); strings.Join(got, "|") != "a|b" {
		t.Errorf("splitList: %q", got)
	}
	if _, err := huaweiEndpoint("", "ecs", ""); err == nil {
		t.Error("no region and no override accepted")
	}
	if ep, _ := huaweiEndpoint("", "cce", "cn-north-4"); ep != "https://cce.cn-north-4.myhuaweicloud.com" {
		t.Errorf("endpoint %q", ep)
	}
}
