package testnet

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a server a test started (an S3 server, a Redis, an archipel
// binary), with its output kept for failure messages.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
	once   sync.Once
}

// startProcess runs bin with args in dir (the current folder when empty),
// with env added to the test's environment.
func startProcess(dir string, env []string, bin string, args ...string) (*process, error) {
	p := &process{out: &syncBuffer{}, exited: make(chan error, 1)}
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

// stop asks the process to end (SIGTERM), then kills it after 10 s.
func (p *process) stop() {
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

// waitReady calls ready until it succeeds, the process exits or timeout
// passes.
func (p *process) waitReady(timeout time.Duration, ready func() error) error {
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

func (p *process) name() string { return strings.Join(p.cmd.Args, " ") }

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
