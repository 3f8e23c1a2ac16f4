// Command quickstart shows the whole SDK at work: an ECS cold migration, a
// nova live migration, a manila two-phase share-server migration, a
// ModelArts batch node migration and a CCE node migration, each started,
// followed with a progress bar, and summed up in one line.
//
// With no cloud credentials in the environment it starts the SDK's
// in-process fakes and runs every flow against them:
//
//	go run ./examples/quickstart
//
// With HUAWEICLOUD_SDK_AK/SK/PROJECT_ID/REGION or OS_* set it talks to the
// real cloud instead, and only runs the flows whose resources you name with
// flags, since migrating real servers is not a demo:
//
//	go run ./examples/quickstart -ecs-server <id> [-ecs-host <dedicated host id>]
//
// Flags for the real cloud (each flow runs only when its resources are named):
//
//	-ecs-server ID [-ecs-host DEH]                     ECS cold migration (server stopped)
//	-nova-server ID [-nova-host HOST]                  nova live migration
//	-manila-share-server ID -manila-host HOST@BACKEND  manila two-phase migration
//	-modelarts-pool P -modelarts-to-pool Q -modelarts-nodes a,b -modelarts-flavor F
//	-cce-cluster A -cce-target B -cce-nodes uid1,uid2 -cce-os OS -cce-ssh-key KEY
//
// It exits non-zero if any flow fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// flow is one service's walk-through. It returns a one-line summary.
type flow struct {
	name string
	run  func(ctx context.Context, out *printer) (string, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, auth.HuaweiEnvPresent() || auth.KeystoneEnvPresent()))
}

// run runs the flows and returns the exit code. realCloud says whether
// credentials were found in the environment.
func run(ctx context.Context, args []string, stdout io.Writer, realCloud bool) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg := &realConfig{}
	cfg.flags(fs)
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	out := &printer{w: stdout}
	var flows []flow
	if realCloud {
		out.say("Cloud credentials found: running against the real cloud.")
		flows = realFlows(cfg)
		if len(flows) == 0 {
			out.say("No flow selected: name the resources to migrate with flags (see -h).")
			return 0
		}
	} else {
		out.say("No cloud credentials in the environment: running against the in-process fakes.")
		flows = fakeFlows()
	}

	start := time.Now()
	var summaries []string
	failed := 0
	for _, f := range flows {
		out.say("")
		out.say("== %s", f.name)
		summary, err := f.run(ctx, out)
		if err != nil {
			failed++
			summary = "FAILED: " + err.Error()
		}
		summaries = append(summaries, fmt.Sprintf("%-10s %s", f.name, summary))
	}
	out.say("")
	out.say("== Summary (%s)", time.Since(start).Round(time.Millisecond))
	for _, s := range summaries {
		out.say("%s", s)
	}
	if failed > 0 {
		out.say("%d of %d flows failed", failed, len(flows))
		return 1
	}
	return 0
}

// printer writes steps and progress bars.
type printer struct {
	w    io.Writer
	last string // the last bar's word and tenth, to print only changes
}

func (p *printer) say(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
	p.last = ""
}

func (p *printer) step(format string, args ...any) { p.say("  - "+format, args...) }

// progress prints a job status as a progress bar.
func (p *printer) progress(s jobs.Status) {
	percent := s.Progress
	if s.State == jobs.Succeeded {
		percent = 100
	}
	p.bar(s.Word, percent)
}

// bar prints a progress line when the word or the tenth of the way
// changes.
func (p *printer) bar(word string, percent int) {
	const width = 30
	if word == "" {
		word = "(starting)"
	}
	if percent > 100 {
		percent = 100
	}
	key := fmt.Sprintf("%s/%d", word, percent/10)
	if percent < 0 {
		key = word + "/?"
	}
	if key == p.last {
		return
	}
	p.last = key
	if percent < 0 {
		fmt.Fprintf(p.w, "    [%s]    ?%% %s\n", strings.Repeat("·", width), word)
		return
	}
	filled := percent * width / 100
	fmt.Fprintf(p.w, "    [%s%s] %3d%% %s\n", strings.Repeat("#", filled), strings.Repeat("·", width-filled), percent, word)
}
