package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// percentile returns the q-quantile (0..1) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// cpuSnap is a point in time for CPU accounting: this process's CPU time
// (user+system) and the machine's busy and total jiffies from /proc/stat.
type cpuSnap struct {
	wall        time.Time
	self        time.Duration
	busy, total uint64
	ok          bool
	procs       procSnap
	dbName      string
}

// clkTck is USER_HZ, 100 on every Linux we run on.
const clkTck = 100

// snapCPU takes a snapshot; dbName is the node's database ("" when unknown).
func snapCPU(dbName string) cpuSnap {
	s := cpuSnap{wall: time.Now(), procs: snapProcs(dbName), dbName: dbName}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	t := snapCPUTotals()
	s.busy, s.total, s.ok = t.busy, t.total, t.ok
	return s
}

// cpuUse is what happened between two snapshots.
type cpuUse struct {
	wall       time.Duration
	self       time.Duration // this process (node + load generator + sink)
	machine    time.Duration // all processes, busy time
	machinePct float64       // busy share of all CPUs
	att        map[string]time.Duration
}

func (a cpuSnap) to(b cpuSnap) cpuUse {
	u := cpuUse{wall: b.wall.Sub(a.wall), self: b.self - a.self}
	if a.ok && b.ok && b.total > a.total {
		u.machine = time.Duration(b.busy-a.busy) * time.Second / clkTck
		u.machinePct = 100 * float64(b.busy-a.busy) / float64(b.total-a.total)
	}
	u.att = attribution(a.procs, b.procs, u.machine)
	return u
}

// perOp describes the CPU cost of one operation, split by process.
func (u cpuUse) perOp(n int) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f µs of CPU per op in the node's processes (%s); machine %.0f%% busy",
		float64(u.ours())/1e3/float64(n), attributionLine(u.att, n), u.machinePct)
}

// ours is the CPU time of this process, PostgreSQL and Redis: the machine's
// busy time less other processes.
func (u cpuUse) ours() time.Duration { return max(0, u.machine-u.att[clsOther]) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown memory"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return fmt.Sprintf("%.1f GiB RAM", kb/1024/1024)
			}
		}
	}
	return "unknown memory"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// statusCounts renders error counts by status, sorted.
func statusCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// CPU attribution by process, from /proc/<pid>/stat, so that a run on a
// machine shared with other work says what was ours.
const (
	clsSelf     = "this process"
	clsPGOurs   = "PostgreSQL, this node's connections"
	clsPGShared = "PostgreSQL, shared (WAL writer, checkpointer…)"
	clsRedis    = "Redis"
	clsOther    = "other processes (incl. other databases' connections)"
)

var classOrder = []string{clsSelf, clsPGOurs, clsPGShared, clsRedis, clsOther}

type procSnap map[int]procTicks

type procTicks struct {
	class string
	ticks uint64
}

// snapProcs reads every process's CPU ticks. dbName identifies this node's
// PostgreSQL backends by their process title ("" when unknown).
func snapProcs(dbName string) procSnap {
	out := procSnap{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		comm := s[open+1 : closing]
		f := strings.Fields(s[closing+1:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseUint(f[11], 10, 64) // utime is field 14, f[0] is field 3
		st, _ := strconv.ParseUint(f[12], 10, 64)
		cls := clsOther
		switch {
		case pid == self:
			cls = clsSelf
		case comm == "redis-server":
			cls = clsRedis
		case comm == "postgres":
			title, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			t := string(title)
			switch {
			case dbName != "" && strings.Contains(t, " "+dbName+" "):
				cls = clsPGOurs
			case strings.Contains(t, "walwriter"), strings.Contains(t, "checkpointer"), strings.Contains(t, "background writer"),
				strings.Contains(t, "launcher"), strings.Contains(t, "stats"), strings.Contains(t, "/bin/postgres"):
				cls = clsPGShared
			case dbName == "":
				cls = clsPGOurs
			}
		}
		out[pid] = procTicks{cls, ut + st}
	}
	return out
}

// attribution is CPU time by class between two snapshots; what the machine
// spent and no surviving process accounts for goes to clsOther.
func attribution(before, after procSnap, machine time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	var sum time.Duration
	for pid, a := range after {
		d := a.ticks
		if b, ok := before[pid]; ok {
			if b.ticks > a.ticks {
				continue // pid reused
			}
			d -= b.ticks
		}
		t := time.Duration(d) * time.Second / clkTck
		out[a.class] += t
		sum += t
	}
	if machine > sum {
		out[clsOther] += machine - sum
	}
	return out
}

// attributionLine renders per-op CPU by class.
func attributionLine(att map[string]time.Duration, n int) string {
	if n == 0 {
		return "n/a"
	}
	var parts []string
	var total time.Duration
	for _, c := range classOrder {
		total += att[c]
		parts = append(parts, fmt.Sprintf("%s %.0f µs", c, float64(att[c])/1e3/float64(n)))
	}
	return strings.Join(parts, ", ") + fmt.Sprintf(" (total %.0f µs)", float64(total)/1e3/float64(n))
}

// quiet is the machine-idleness check made before each timed phase: the
// machine may be shared (other people's tests), and their CPU use would be
// counted against the node.
type quiet struct {
	maxBusy float64       // percent
	wait    time.Duration // at most this long
}

// waitQuiet waits until the machine's busy share over one second is below
// q.maxBusy, for at most q.wait; it returns the last busy share seen and
// whether it was quiet.
func (q quiet) waitQuiet(ctx context.Context) (float64, bool) {
	if q.maxBusy <= 0 || q.maxBusy >= 100 {
		return 0, true
	}
	start := time.Now()
	var busy float64
	for ctx.Err() == nil {
		a := snapCPUTotals()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		b := snapCPUTotals()
		if b.total > a.total {
			busy = 100 * float64(b.busy-a.busy) / float64(b.total-a.total)
		}
		if busy < q.maxBusy {
			return busy, true
		}
		if time.Since(start) > q.wait {
			logf("machine still %.0f%% busy after %s: measuring anyway (see 'other processes' in the CPU line)", busy, q.wait)
			return busy, false
		}
		logf("machine %.0f%% busy (other work): waiting for it to be below %.0f%%", busy, q.maxBusy)
	}
	return busy, false
}

// snapCPUTotals reads /proc/stat only.
func snapCPUTotals() cpuSnap {
	s := cpuSnap{wall: time.Now()}
	f, err := os.Open("/proc/stat")
	if err != nil {
		return s
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if sc.Scan() {
		s.busy, s.total, s.ok = parseCPULine(sc.Text())
	}
	return s
}

func parseCPULine(line string) (busy, total uint64, ok bool) {
	fields := strings.Fields(line)
	if len(fields) <= 5 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range fields[1:] {
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}
