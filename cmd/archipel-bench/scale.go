package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scaleCase is one measured request.
type scaleCase struct {
	name  string
	group string // what the target is: timeline, search, …
	path  string
	token string
}

type scaleResult struct {
	p50, p99, max time.Duration
	n             int
}

// runScale seeds a node of each size asked for and measures the read paths
// through HTTP, then prints the sizes side by side.
func runScale(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	var c common
	c.register(fs)
	postsFlag := fs.String("posts", "100000", "posts and replies to seed; a comma-separated list measures each size in turn (e.g. 100000,1000000)")
	actors := fs.Int("actors", 20000, "local and remote people")
	localShare := fs.Float64("local-share", 0.6, "share of local people among them")
	hosts := fs.Int("remote-hosts", 50, "remote nodes the remote people live on")
	groups := fs.Int("groups", 1000, "groups")
	likes := fs.Int("likes", 100000, "likes")
	documents := fs.Int("documents", 50000, "documents (metadata only)")
	requests := fs.Int("requests", 1000, "timed requests per measured case")
	warmup := fs.Int("warmup", 50, "untimed requests per case before timing")
	deep := fs.Int("deep", 10, "page depth of the deep-page cases (pages of 20)")
	only := fs.String("cases", "", "measure only the cases whose name contains one of these comma-separated words (default: all)")
	c.inboxLimit = -1
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sizes []int
	for _, p := range strings.Split(*postsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1000 {
			return fmt.Errorf("--posts: %q is not a number of at least 1000", p)
		}
		sizes = append(sizes, n)
	}
	type run struct {
		posts   int
		seed    *seeded
		cases   []scaleCase
		results map[string]scaleResult
	}
	var runs []run
	for _, n := range sizes {
		b, err := startNode(ctx, &c)
		if err != nil {
			return err
		}
		size := seedSize{actors: *actors, groups: *groups, posts: n, likes: *likes, documents: *documents,
			localShare: *localShare, remoteHosts: *hosts}
		logf("seeding %d posts", n)
		s, err := seedNode(ctx, b, size)
		if err != nil {
			b.Close()
			return err
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 30 * time.Second}
		cases, err := scaleCases(ctx, client, b.URL, s, *deep)
		if err != nil {
			b.Close()
			return err
		}
		c.quiet.waitQuiet(ctx)
		stop, err := profile(c.cpuProfile, strconv.Itoa(n))
		if err != nil {
			b.Close()
			return err
		}
		cases = selectCases(cases, *only)
		results := map[string]scaleResult{}
		for _, sc := range cases {
			res, err := measureCase(ctx, client, b.URL, sc, *warmup, *requests)
			if err != nil {
				stop()
				b.Close()
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			logf("%d posts, %s: p50 %s ms, p99 %s ms", n, sc.name, ms(res.p50), ms(res.p99))
			results[sc.name] = res
		}
		stop()
		b.Close()
		runs = append(runs, run{n, s, cases, results})
	}

	w := os.Stdout
	header(w, "archipel-bench scale")
	fmt.Fprintf(w, "- node: %d people (%.0f %% local, the others on %d remote nodes), %d groups, %d likes, %d documents; %d timed requests per case after %d untimed, one client, HTTP/1.1 keep-alive, real tokens\n",
		*actors, 100**localShare, *hosts, *groups, *likes, *documents, *requests, *warmup)
	for _, r := range runs {
		fmt.Fprintf(w, "- %d posts: seeded in %s (%s); readers: dense follows %d people and is in %d groups, sparse follows %d, new follows none\n",
			r.posts, r.seed.seedTime.Round(time.Second), rowCounts(r.seed.rows), r.seed.dense.follows, r.seed.dense.groups, r.seed.sparse.follows)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "| request |")
	for _, r := range runs {
		fmt.Fprintf(w, " p50 ms (%s posts) | p99 ms (%s) |", thousands(r.posts), thousands(r.posts))
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|")
	for range runs {
		fmt.Fprint(w, "---|---|")
	}
	fmt.Fprintln(w)
	for _, sc := range runs[0].cases {
		fmt.Fprintf(w, "| %s |", sc.name)
		for _, r := range runs {
			res := r.results[sc.name]
			fmt.Fprintf(w, " %s | **%s** |", ms(res.p50), ms(res.p99))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// selectCases keeps the cases whose name contains one of the words of a
// comma-separated list (all of them when it is empty).
func selectCases(cases []scaleCase, only string) []scaleCase {
	if strings.TrimSpace(only) == "" {
		return cases
	}
	var out []scaleCase
	for _, c := range cases {
		for _, w := range strings.Split(only, ",") {
			if w = strings.TrimSpace(w); w != "" && strings.Contains(c.name, w) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func rowCounts(rows map[string]int64) string {
	keys := make([]string, 0, len(rows))
	for k := range rows {
		if !strings.HasPrefix(k, "seed_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %s", k, thousands(int(rows[k]))))
	}
	return strings.Join(parts, ", ")
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// scaleCases lists the measured requests; the deep pages are found by
// following the timelines' max_id page by page first.
func scaleCases(ctx context.Context, client *http.Client, base string, s *seeded, deep int) ([]scaleCase, error) {
	home := "/api/v1/timelines/home?limit=20"
	groupTL := fmt.Sprintf("/api/v1/groups/%d/timeline?limit=20", s.bigGroup)
	deepPage := func(path, token string) (string, error) {
		maxID := ""
		for range deep {
			p := path
			if maxID != "" {
				p += "&max_id=" + maxID
			}
			var page []struct {
				ID string `json:"id"`
			}
			if err := getJSON(ctx, client, base+p, token, &page); err != nil {
				return "", err
			}
			if len(page) == 0 {
				break
			}
			maxID = page[len(page)-1].ID
		}
		if maxID == "" {
			return path, nil
		}
		return path + "&max_id=" + maxID, nil
	}
	denseDeep, err := deepPage(home, s.dense.token)
	if err != nil {
		return nil, err
	}
	sparseDeep, err := deepPage(home, s.sparse.token)
	if err != nil {
		return nil, err
	}
	groupDeep, err := deepPage(groupTL, s.dense.token)
	if err != nil {
		return nil, err
	}
	q := url.QueryEscape
	return []scaleCase{
		{"home, dense reader, first page", "timeline", home, s.dense.token},
		{fmt.Sprintf("home, dense reader, page %d", deep), "timeline", denseDeep, s.dense.token},
		{"home, sparse reader (follows one person), first page", "timeline", home, s.sparse.token},
		{fmt.Sprintf("home, sparse reader, page %d", deep), "timeline", sparseDeep, s.sparse.token},
		{"home, new reader (follows no one)", "timeline", home, s.fresh.token},
		{"group timeline (largest public group), first page", "timeline", groupTL, s.dense.token},
		{fmt.Sprintf("group timeline, page %d", deep), "timeline", groupDeep, s.dense.token},
		{"notifications, first page", "timeline", "/api/v1/notifications?limit=20", s.notified.token},
		{"profile page (HTML)", "page", "/@" + s.profileName, ""},
		{"group page (HTML)", "page", "/g/" + s.bigGroupName, ""},
		{"directory, skill exact (`urbanisme`)", "directory", "/api/v1/directory?skill=urbanisme", s.dense.token},
		{"directory, skill prefix (`urba`)", "directory", "/api/v1/directory?skill=urba", s.dense.token},
		{"directory, skill typo (`urbanisne`)", "directory", "/api/v1/directory?skill=urbanisne", s.dense.token},
		{"directory, skill multi-word (`marches publics`)", "directory", "/api/v1/directory?skill=" + q("marches publics"), s.dense.token},
		{"directory, by name (`" + s.nameQuery + "`)", "directory", "/api/v1/directory?q=" + q(s.nameQuery), s.dense.token},
		{"full-text posts, common words (`rénovation énergétique`)", "search", "/api/v2/search?type=statuses&q=" + q("rénovation énergétique"), s.dense.token},
		{"full-text posts, rare word (`visioconférence`)", "search", "/api/v2/search?type=statuses&q=" + q("visioconférence"), s.dense.token},
		{"full-text documents (`budget`)", "search", "/api/v1/documents?q=" + q("budget"), s.dense.token},
	}, nil
}

func getJSON(ctx context.Context, client *http.Client, u, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		return fmt.Errorf("GET %s: %d %s", u, res.StatusCode, body)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// measureCase times requests one after the other (latency, not
// throughput: one client).
func measureCase(ctx context.Context, client *http.Client, base string, sc scaleCase, warmup, n int) (scaleResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+sc.path, nil)
	if err != nil {
		return scaleResult{}, err
	}
	if sc.token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.token)
	}
	lat := make([]time.Duration, 0, n)
	for i := range warmup + n {
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return scaleResult{}, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return scaleResult{}, fmt.Errorf("GET %s: %d", sc.path, res.StatusCode)
		}
		if i >= warmup {
			lat = append(lat, time.Since(start))
		}
		if ctx.Err() != nil {
			return scaleResult{}, ctx.Err()
		}
	}
	slices.Sort(lat)
	return scaleResult{p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat[len(lat)-1], n: len(lat)}, nil
}
