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
