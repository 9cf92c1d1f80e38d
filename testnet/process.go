package testnet

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a server a test started (an S3 server, a Redis, an archipel
// binary), with its output kept for failure messages.
type Process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
	once   sync.Once
}

// StartProcess runs bin with args in dir (the current folder when empty),
// with env added to the test's environment, until the test ends.
func StartProcess(t testing.TB, dir string, env []string, bin string, args ...string) *Process {
	t.Helper()
	p, err := startProcess(dir, env, bin, args...)
	if err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(p.Stop)
	return p
}

func startProcess(dir string, env []string, bin string, args ...string) (*Process, error) {
	p := &Process{out: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = dir, p.out, p.out
	if len(env) > 0 {
		p.cmd.Env = append(p.cmd.Environ(), env...)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.exited <- p.cmd.Wait() }()
	return p, nil
}

// Stop asks the process to end (SIGTERM), then kills it after 10 s; safe to
// call twice.
func (p *Process) Stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			p.exited <- err
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			p.exited <- <-p.exited
		}
	})
}

// Kill ends the process at once (SIGKILL), as a crash or kill -9 would,
// and waits for it.
func (p *Process) Kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		p.exited <- <-p.exited
	})
}

// WaitReady calls ready until it succeeds, the process exits or timeout
// passes.
func (p *Process) WaitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-p.exited:
			p.exited <- err
			return fmt.Errorf("%s exited: %v\n%s", p.name(), err, p.out.String())
		default:
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is not ready: %v\n%s", p.name(), err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output is what the process wrote so far (stdout and stderr).
func (p *Process) Output() string { return p.out.String() }

func (p *Process) name() string { return strings.Join(p.cmd.Args, " ") }

// syncBuffer is a bytes.Buffer that the process writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// BuildArchipel builds the archipel command into a temporary folder and
// returns its path, for tests that run it as operators do.
func BuildArchipel(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "archipel")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/archipel-social/archipel/cmd/archipel")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
