package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// stateVersion is the version of the state file's format.
const stateVersion = 1

// state is the file that carries the resume tokens from one run to the
// next:
//
//	{"version": 1, "tokens": {"ecs": "cmop1.…", "nova": "cmop1.…"}}
//
// Every change is written at once and atomically, so that the file on disk
// always holds either the old or the new set of tokens, whatever happens to
// the process or the machine. The file is removed when no token is left.
type state struct {
	Version int               `json:"version"`
	Tokens  map[string]string `json:"tokens"` // by service name

	path      string
	exists    bool             // the file was there when the run began
	writes    int              // how many times this run wrote the file
	afterSave func(writes int) // called after each write, if set
	mu        sync.Mutex
}

// loadState reads the state file at path; a missing file is an empty
// state.
func loadState(path string) (*state, error) {
	st := &state{Version: stateVersion, Tokens: map[string]string{}, path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("%s has format version %d; this program reads version %d", path, st.Version, stateVersion)
	}
	if st.Tokens == nil {
		st.Tokens = map[string]string{}
	}
	st.exists = true
	return st, nil
}

// save records the token of h under name, or removes name when h is nil,
// and writes the file if that changed anything.
func (st *state) save(name string, h handle) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	old, had := st.Tokens[name]
	if h == nil {
		if !had {
			return nil
		}
		delete(st.Tokens, name)
	} else {
		token, err := h.ResumeToken()
		if err != nil {
			return fmt.Errorf("%s: no resume token: %w", name, err)
		}
		if had && token == old {
			return nil
		}
		st.Tokens[name] = token
	}
	if err := st.write(); err != nil {
		return fmt.Errorf("saving %s: %w", st.path, err)
	}
	st.writes++
	if st.afterSave != nil {
		st.afterSave(st.writes)
	}
	return nil
}

// write replaces the file with the current tokens: it writes a temporary
// file beside it, flushes it to disk, and renames it over the old one,
// which is atomic on every common file system. Without tokens it removes
// the file.
func (st *state) write() error {
	dir := filepath.Dir(st.path)
	if len(st.Tokens) == 0 {
		if err := os.Remove(st.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return syncDir(dir)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(st.path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails, harmlessly, once renamed
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir flushes a directory, so that a rename or removal in it survives
// a crash of the machine. Windows offers no such call for directories.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
