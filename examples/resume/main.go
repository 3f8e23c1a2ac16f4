// Command resume starts migrations in one run and finishes them in another.
// The handle of every move it starts is saved as a resume token in a state
// file, so the program may exit, crash or be restarted while the cloud does
// the work, and a later run picks each move up from its token instead of
// starting it again.
//
// The first run, when the state file does not exist, starts each move its
// flags name, writes the file after every start, and exits:
//
//	go run ./examples/resume -state moves.json -ecs-server <id> -ecs-host <deh> -nova-server <id>
//
// Run the same command again. The file is there, so the program resumes
// every move from its token (ecs.Client.ResumeColdMigration,
// nova.Client.ResumeMigration, ...), waits for all of them at once, prints
// each outcome and removes the file once every move has ended. A move whose
// token is in the file is never started again. A move the flags name but the
// file lacks, because an earlier run died before it got that far, is started
// then; if that earlier run had sent the start, the service's client finds
// the move in flight and follows it instead of starting a second one. A wait
// that is cut short (Ctrl-C, -timeout) keeps the tokens of the moves still
// under way for the next run, with what it learnt since (a migration ID nova
// recorded late, say).
//
// Each move is started only when its flags name its resources:
//
//	-ecs-server ID [-ecs-host DEH]                          ECS cold migration of a stopped server (no -ecs-host: to the public pool)
//	-cce-cluster A -cce-target B -cce-nodes ID,ID -cce-os OS -cce-ssh-key KEY     CCE node migration
//	-modelarts-pool P -modelarts-to-pool Q -modelarts-nodes N,N -modelarts-flavor F   ModelArts node migration
//	-nova-server ID [-nova-host HOST]                       nova live migration (no -nova-host: the scheduler picks)
//	-manila-share-server ID -manila-host HOST@BACKEND       manila share-server migration, first phase
//
// There are no fakes in this program: it talks to the endpoints its
// configuration names, on every run. Huawei Cloud: HUAWEICLOUD_SDK_AK,
// HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID, and
// HUAWEICLOUD_SDK_REGION or -ecs-endpoint, -cce-endpoint and
// -modelarts-endpoint. OpenStack: OS_CLOUD (clouds.yaml) or the OS_*
// variables; -nova-cloud and -manila-cloud name other clouds.yaml entries
// for nova and manila. Its test runs it against fakes served by another
// process.
//
// A resume token holds IDs, never a credential: resuming needs the same
// configuration as the start, and a client refuses a token written for
// another endpoint or project. The state file holds one move per service.
//
// -crash-after-save N kills a first run right after its N-th write of the
// state file, as a power cut would, to show that the same command run again
// carries on; a run that finds the file ignores it.
//
// It exits with status 1 when a move fails or is still under way at the
// end of a resuming run, and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func main() { cli.Main("resume", run, cli.Explain) }

// config is what the flags say.
type config struct {
	ecsEndpoint, ecsServer, ecsHost                                string
	cceEndpoint, cceCluster, cceTarget, cceNodes, cceOS, cceSSHKey string
	maEndpoint, maPool, maToPool, maNodes, maFlavor                string
	novaCloud, novaServer, novaHost                                string
	manilaCloud, manilaShareServer, manilaHost                     string
}

// handle is what this program uses of a *jobs.Operation[T], whatever the
// service's result type T.
type handle interface {
	Token() jobs.Token
	ResumeToken() (string, error)
	Status() jobs.Status
	Done() bool
	wait(ctx context.Context, opts ...jobs.Option) error
}

type operation[T any] struct{ *jobs.Operation[T] }

func (o operation[T]) wait(ctx context.Context, opts ...jobs.Option) error {
	_, err := o.Wait(ctx, opts...)
	return err
}

// wrap makes a handle of what a start or resume call returned. A start
// that finds the move already under way returns a handle on it together
// with an error for which errors.Is(err, cloudmigrate.ErrInProgress) holds.
func wrap[T any](op *jobs.Operation[T], err error) (handle, error) {
	if op == nil {
		return nil, cmp.Or(err, errors.New("no handle"))
	}
	return operation[T]{op}, err
}

// service starts one service's move and resumes it from a token.
type service struct {
	start  func(ctx context.Context) (handle, error) // nil when the flags name no move
	resume func(token string) (handle, error)
}

// services lists, in the order moves are started, the names the state file
// knows, the flag that asks for each move and those it needs besides, and
// how to connect to the service.
var services = []struct {
	name, flag string
	needs      []string
	connect    func(ctx context.Context, c *config) (*service, error)
}{
	{"ecs", "ecs-server", nil, connectECS},
	{"cce", "cce-cluster", []string{"cce-target", "cce-nodes", "cce-os", "cce-ssh-key"}, connectCCE},
	{"modelarts", "modelarts-pool", []string{"modelarts-to-pool", "modelarts-nodes", "modelarts-flavor"}, connectModelArts},
	{"nova", "nova-server", nil, connectNova},
	{"manila", "manila-share-server", []string{"manila-host"}, connectManila},
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("resume", flag.ContinueOnError)
	var c config
	statePath := fs.String("state", "resume-state.json", "file that keeps the resume tokens between runs")
	poll := fs.Duration("poll", 2*time.Second, "shortest wait between two polls (the longest is 15 times that)")
	timeout := fs.Duration("timeout", 2*time.Hour, "give up after this long (the moves go on in the cloud; run again to resume)")
	crashAfter := fs.Int("crash-after-save", 0, "first run only: kill the program right after the N-th write of the state file (0: never)")
	fs.StringVar(&c.ecsEndpoint, "ecs-endpoint", "", "ECS endpoint (default: HUAWEICLOUD_SDK_REGION's)")
	fs.StringVar(&c.ecsServer, "ecs-server", "", "ECS: stopped server to cold-migrate")
	fs.StringVar(&c.ecsHost, "ecs-host", "", "ECS: dedicated host to move it to (empty: the public pool)")
	fs.StringVar(&c.cceEndpoint, "cce-endpoint", "", "CCE endpoint (default: HUAWEICLOUD_SDK_REGION's)")
	fs.StringVar(&c.cceCluster, "cce-cluster", "", "CCE: cluster the nodes leave")
	fs.StringVar(&c.cceTarget, "cce-target", "", "CCE: cluster the nodes join")
	fs.StringVar(&c.cceNodes, "cce-nodes", "", "CCE: comma-separated node IDs")
	fs.StringVar(&c.cceOS, "cce-os", "", `CCE: operating system to reinstall, such as "EulerOS 2.9"`)
	fs.StringVar(&c.cceSSHKey, "cce-ssh-key", "", "CCE: key pair to log in to the nodes with")
	fs.StringVar(&c.maEndpoint, "modelarts-endpoint", "", "ModelArts endpoint (default: HUAWEICLOUD_SDK_REGION's)")
	fs.StringVar(&c.maPool, "modelarts-pool", "", "ModelArts: pool the nodes leave")
	fs.StringVar(&c.maToPool, "modelarts-to-pool", "", "ModelArts: pool the nodes join")
	fs.StringVar(&c.maNodes, "modelarts-nodes", "", "ModelArts: comma-separated node names")
	fs.StringVar(&c.maFlavor, "modelarts-flavor", "", "ModelArts: flavor of the nodes in the target pool")
	fs.StringVar(&c.novaCloud, "nova-cloud", "", "clouds.yaml entry for nova (default: OS_CLOUD, or the OS_* variables)")
	fs.StringVar(&c.novaServer, "nova-server", "", "nova: server to live-migrate")
	fs.StringVar(&c.novaHost, "nova-host", "", "nova: compute host to move it to (empty: the scheduler picks)")
	fs.StringVar(&c.manilaCloud, "manila-cloud", "", "clouds.yaml entry for manila (default: OS_CLOUD, or the OS_* variables)")
	fs.StringVar(&c.manilaShareServer, "manila-share-server", "", "manila: share server to migrate")
	fs.StringVar(&c.manilaHost, "manila-host", "", "manila: destination back end, host@backend")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	usage := func(format string, args ...any) error {
		fmt.Fprintf(fs.Output(), format+"\n", args...)
		return cli.ErrUsage
	}
	if fs.NArg() > 0 || *poll <= 0 || *crashAfter < 0 {
		return usage("resume takes flags only, a positive -poll and a -crash-after-save of 0 or more")
	}
	planned := map[string]bool{}
	for _, s := range services {
		if planned[s.name] = fs.Lookup(s.flag).Value.String() != ""; !planned[s.name] {
			continue
		}
		for _, need := range s.needs {
			if fs.Lookup(need).Value.String() == "" {
				return usage("-%s needs -%s", s.flag, need)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := loadState(*statePath)
	if err != nil {
		return err
	}
	out := &syncWriter{w: stdout}
	if *crashAfter > 0 && !st.exists {
		st.afterSave = func(n int) {
			if n == *crashAfter {
				fmt.Fprintf(out, "Killing this run after write %d of %s (-crash-after-save).\n", n, st.path)
				crash()
			}
		}
	}

	// Connect to each service that has a move to start or to resume.
	svcs := map[string]*service{}
	for _, s := range services {
		if _, saved := st.Tokens[s.name]; !saved && !planned[s.name] {
			continue
		}
		if svcs[s.name], err = s.connect(ctx, &c); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	for name := range st.Tokens {
		if svcs[name] == nil {
			return fmt.Errorf("%s names %q, which is not a service this program knows", st.path, name)
		}
	}
	if len(svcs) == 0 {
		return usage("no moves in %s and none named by flags: see -h", st.path)
	}

	moves, err := startMoves(ctx, out, st, svcs)
	if err != nil {
		return err
	}
	if !st.exists {
		fmt.Fprintf(out, "Started %d moves; their resume tokens are in %s.\n", len(moves), st.path)
		fmt.Fprintln(out, "Run the same command again to follow them to the end.")
		return nil
	}
	for _, s := range services {
		token, saved := st.Tokens[s.name]
		if !saved || moves[s.name] != nil {
			continue
		}
		h, err := svcs[s.name].resume(token)
		if err != nil {
			return fmt.Errorf("%s: resuming from %s: %w", s.name, st.path, err)
		}
		fmt.Fprintf(out, "%s: resumed %s from %s\n", s.name, describe(h.Token()), st.path)
		moves[s.name] = h
	}
	return waitAll(ctx, out, st, moves, jobs.WithInterval(*poll, 15*(*poll)))
}

// startMoves starts each move the flags name that has no token in the state
// file yet, and saves its token at once. A move whose token is saved is
// left to be resumed: it is never started again.
func startMoves(ctx context.Context, out io.Writer, st *state, svcs map[string]*service) (map[string]handle, error) {
	moves := map[string]handle{}
	for _, s := range services {
		svc := svcs[s.name]
		if _, saved := st.Tokens[s.name]; saved || svc == nil || svc.start == nil {
			continue
		}
		h, err := svc.start(ctx)
		switch {
		case errors.Is(err, cloudmigrate.ErrInProgress):
			fmt.Fprintf(out, "%s: already moving, following that move: %v\n", s.name, err)
		case err != nil && len(st.Tokens) > 0:
			return nil, fmt.Errorf("%s: %w (the moves started before it are saved in %s)", s.name, err, st.path)
		case err != nil:
			return nil, fmt.Errorf("%s: %w", s.name, err)
		default:
			fmt.Fprintf(out, "%s: started %s\n", s.name, describe(h.Token()))
		}
		if err := st.save(s.name, h); err != nil {
			return nil, err
		}
		moves[s.name] = h
	}
	return moves, nil
}

// afterDone says what is left to do once a move's wait has succeeded.
var afterDone = map[string]string{
	"manila": "the data is copied; complete the migration with manila.Client.CompleteMigration to cut the shares over",
}

// waitAll waits for every move at once, printing each outcome as it comes.
// A move that has ended, well or not, leaves the state file; one still
// under way when ctx ends stays there.
func waitAll(ctx context.Context, out io.Writer, st *state, moves map[string]handle, poll jobs.Option) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed, left []string
	for name, h := range moves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.wait(ctx, poll, progress(out, st, name, h))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				fmt.Fprintf(out, "%s: done (%s): %s\n", name, h.Status().Word, describe(h.Token()))
				if next := afterDone[name]; next != "" {
					fmt.Fprintf(out, "%s: %s\n", name, next)
				}
			case h.Done():
				fmt.Fprintf(out, "%s: FAILED: %s: %s\n", name, describe(h.Token()), cli.Explain(err))
				failed = append(failed, name)
			default:
				fmt.Fprintf(out, "%s: still under way (%v); its token stays in %s\n", name, err, st.path)
				left = append(left, name)
				return
			}
			if err := st.save(name, nil); err != nil {
				fmt.Fprintf(out, "%s: %v\n", name, err) // the next run finds it ended
			}
		}()
	}
	wg.Wait()
	slices.Sort(failed)
	slices.Sort(left)
	switch {
	case len(left) > 0:
		return fmt.Errorf("%d of %d moves not finished (%s): run again to resume them",
			len(left), len(moves), strings.Join(left, ", "))
	case len(failed) > 0:
		return fmt.Errorf("%d of %d moves failed (%s); removed %s", len(failed), len(moves), strings.Join(failed, ", "), st.path)
	}
	fmt.Fprintf(out, "All %d moves done; removed %s.\n", len(moves), st.path)
	return nil
}

// progress prints a move's status word when it changes, and saves the
// move's token again when it has learnt something (such as the migration
// ID nova records after the start), so that a run cut short resumes with
// it.
func progress(out io.Writer, st *state, name string, h handle) jobs.Option {
	last := ""
	return jobs.WithProgress(func(s jobs.Status) {
		if s.Word != last {
			last = s.Word
			pct := ""
			if s.Progress >= 0 && !s.State.Terminal() {
				pct = fmt.Sprintf(" %d%%", s.Progress)
			}
			fmt.Fprintf(out, "%s: %s%s\n", name, cmp.Or(s.Word, "(no status yet)"), pct)
		}
		if !h.Done() {
			if err := st.save(name, h); err != nil {
				fmt.Fprintf(out, "%s: %v\n", name, err)
			}
		}
	})
}

// describe says what a move does, from its token.
func describe(t jobs.Token) string {
	s := t.Kind + " of " + strings.Join(t.Resources, ", ")
	if t.Target != "" {
		s += " to " + t.Target
	}
	if t.ID != "" {
		s += ", ID " + t.ID
	}
	return s
}

// crash ends the process at once, as a power cut would: nothing deferred
// runs and nothing more is written.
func crash() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = p.Kill() // SIGKILL; on Windows, TerminateProcess
	}
	fmt.Fprintln(os.Stderr, "resume: could not kill itself:", err)
	os.Exit(3)
}

// syncWriter lets the waits print from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
