package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hibiken/asynq"

	"github.com/archipel-social/archipel/queue"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// roundRobin is the load balancer of the test: each request goes to the
// next serve process, whatever the client or its connection, and the
// answer says which one served it (X-Served-By).
type roundRobin struct {
	backends []string // host:port
	next     atomic.Int64
}

func (rr *roundRobin) handler() http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int(rr.next.Add(1)-1) % len(rr.backends)
			// The Host header stays the public one, as nginx's
			// proxy_set_header Host $host does: signatures cover it.
			r.Out.URL.Scheme, r.Out.URL.Host = "http", rr.backends[i]
			r.SetXForwarded()
			r.Out.Header.Set("X-Test-Backend", strconv.Itoa(i))
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set("X-Served-By", resp.Request.Header.Get("X-Test-Backend"))
			return nil
		},
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cluster is one node run as several processes, as an operator runs it.
type cluster struct {
	t      *testing.T
	bin    string
	env    []string
	public string
	serves []string // host:port of each serve process
	http   *http.Client
}

// admin runs an admin command of the binary and returns what it prints.
func (c *cluster) admin(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, append([]string{"admin"}, args...)...)
	cmd.Env = append(cmd.Environ(), c.env...)
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("archipel admin %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

type answer struct {
	status int
	by     string // the serve process that answered
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
}

func (c *cluster) do(req *http.Request) answer {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, by: resp.Header.Get("X-Served-By"), header: resp.Header, body: body}
}

// api calls the client API through the load balancer.
func (c *cluster) api(method, path, token string, body any, header ...string) answer {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.public+"/api/v1"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// until repeats a request until another serve process than not answers it.
func (c *cluster) until(not string, call func() answer) answer {
	c.t.Helper()
	for range 8 {
		if a := call(); a.by != not {
			return a
		}
	}
	c.t.Fatalf("every answer came from serve process %s", not)
	return answer{}
}

// metric sums a counter over the serve processes, each read directly.
func (c *cluster) metric(series string) float64 {
	c.t.Helper()
	var sum float64
	for _, addr := range c.serves {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			c.t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				sum += f
			}
		}
		resp.Body.Close()
	}
	return sum
}

// dropRedisState removes what the test's processes left in the shared
// Redis under their prefix: queues and rate-limit buckets.
func dropRedisState(t *testing.T, prefix string) {
	ctx := context.Background()
	rdb, err := queue.ConnectRedis(ctx, testnet.RedisURL())
	if err != nil {
		t.Log(err)
		return
	}
	defer rdb.Close()
	q, insp := queue.New(rdb, prefix), asynq.NewInspectorFromRedisClient(rdb)
	for _, name := range []string{q.DeliverQueue(), q.InboxQueue(), q.CronQueue()} {
		_ = insp.DeleteQueue(name, true)
	}
	if keys, _ := rdb.Keys(ctx, "rate:"+prefix+":*").Result(); len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Two serve processes (--worker=false) behind a round-robin load balancer and
// one worker process, sharing one database, one Redis prefix and one bucket:
// a journey whose consecutive requests land on different processes works as
// on one process, and the rate limits hold across processes.
func TestSeveralProcessesBehindALoadBalancer(t *testing.T) {
	const wait = 30 * time.Second
	bin := testnet.BuildArchipel(t)
	s3 := testnet.StartS3(t)
	bucket := s3.NewBucket(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	prefix := "t" + store.NewID()
	t.Cleanup(func() { dropRedisState(t, prefix) })
	jar, _ := cookiejar.New(nil)
	c := &cluster{t: t, bin: bin, public: "http://" + ln.Addr().String(), http: &http.Client{Jar: jar, Timeout: time.Minute}}
	c.env = []string{
		"ARCHIPEL_PUBLIC_URL=" + c.public,
		"ARCHIPEL_DATABASE_URL=" + testnet.NewDatabase(t),
		"ARCHIPEL_REDIS_URL=" + testnet.RedisURL(),
		"ARCHIPEL_QUEUE_PREFIX=" + prefix,
		"ARCHIPEL_STORAGE_URL=" + bucket.URL,
		"ARCHIPEL_S3_ACCESS_KEY=" + s3.AccessKey,
		"ARCHIPEL_S3_SECRET_KEY=" + s3.SecretKey,
		"ARCHIPEL_FEDERATION_MODE=open",
		"ARCHIPEL_ALLOW_PRIVATE_ADDRESSES=127.0.0.0/8",
		// One token every 1000 s: only the bursts go through during the test.
		"ARCHIPEL_API_RATE=0.001", "ARCHIPEL_API_BURST=10",
		"ARCHIPEL_INBOX_RATE_PER_HOST=0.001", "ARCHIPEL_INBOX_BURST=10",
	}
	// Each process has its own data folder: they share nothing on disk.
	var procs []*testnet.Process
	for i := range 2 {
		addr := freeAddr(t)
		c.serves = append(c.serves, addr)
		env := append(c.env[:len(c.env):len(c.env)], "ARCHIPEL_LISTEN="+addr, "ARCHIPEL_DATA_DIR="+t.TempDir())
		args := []string{"serve", "--worker=false"}
		if i == 1 {
			env, args = append(env, "ARCHIPEL_WORKER=false"), []string{"serve"} // the variable twin
		}
		procs = append(procs, testnet.StartProcess(t, "", env, bin, args...))
	}
	worker := testnet.StartProcess(t, "", append(c.env[:len(c.env):len(c.env)], "ARCHIPEL_DATA_DIR="+t.TempDir()), bin, "worker")
	procs = append(procs, worker)
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				t.Logf("output of a process:\n%s", p.Output())
			}
		}
	})
	for i, p := range procs[:2] {
		if err := p.WaitReady(time.Minute, func() error {
			resp, err := http.Get("http://" + c.serves[i] + "/healthz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("healthz %d", resp.StatusCode)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := worker.WaitReady(time.Minute, func() error {
		if !strings.Contains(worker.Output(), "archipel worker running") {
			return fmt.Errorf("not yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rr := &roundRobin{backends: c.serves}
	lb := &http.Server{Handler: rr.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = lb.Serve(ln) }()
	t.Cleanup(func() { _ = lb.Shutdown(context.Background()) })

	c.admin("user", "create", "--username", "alice", "--email", "alice@region.gouv.fr", "--password", "mot-de-passe-alice", "--tier", "state")
	token := c.admin("token", "create", "--username", "alice")
	c.admin("user", "create", "--username", "flood", "--email", "flood@region.gouv.fr", "--password", "mot-de-passe-flood", "--tier", "state")
	floodToken := c.admin("token", "create", "--username", "flood")

	t.Run("a web session holds on every process", func(t *testing.T) {
		form := url.Values{"login": {"alice"}, "password": {"mot-de-passe-alice"}}
		req, _ := http.NewRequest("POST", c.public+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if a := c.do(req); a.status != 200 || !bytes.Contains(a.body, []byte(`action="/logout"`)) {
			t.Fatalf("sign in: %d", a.status)
		}
		seen := map[string]bool{}
		var csrf string
		for range 4 {
			req, _ := http.NewRequest("GET", c.public+"/", nil)
			a := c.do(req)
			m := csrfRE.FindSubmatch(a.body)
			if a.status != 200 || !bytes.Contains(a.body, []byte(`action="/logout"`)) || m == nil {
				t.Fatalf("home on process %s: %d, signed in: %v", a.by, a.status, bytes.Contains(a.body, []byte(`action="/logout"`)))
			}
			seen[a.by], csrf = true, string(m[1])
		}
		if len(seen) != 2 {
			t.Fatalf("the home page came from %v only", seen)
		}
		// A form with the CSRF token one process put in the page, sent to
		// whichever process comes next.
		form = url.Values{"csrf": {csrf}, "text": {"Bonjour depuis le navigateur"}, "visibility": {"public"}}
		req, _ = http.NewRequest("POST", c.public+"/posts", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if a := c.do(req); a.status != 200 || !bytes.Contains(a.body, []byte("Bonjour depuis le navigateur")) {
			t.Fatalf("post from the web form: %d", a.status)
		}
	})

	t.Run("a post written on one process is read on the other", func(t *testing.T) {
		var st struct{ ID, Content string }
		a := c.api("POST", "/statuses", token, map[string]any{"status": "Bonjour depuis l'API", "visibility": "public"})
		if a.status != 200 {
			t.Fatalf("post: %d %s", a.status, a.body)
		}
		a.json(t, &st)
		b := c.until(a.by, func() answer { return c.api("GET", "/statuses/"+st.ID, token, nil) })
		if b.status != 200 || !bytes.Contains(b.body, []byte("Bonjour depuis l")) {
			t.Fatalf("read back on process %s: %d %s", b.by, b.status, b.body)
		}
	})

	t.Run("a document uploaded on one process downloads from the other", func(t *testing.T) {
		var g struct{ ID string }
		a := c.api("POST", "/groups", token, map[string]any{"name": "Urbanisme"})
		if a.status != 200 {
			t.Fatalf("group: %d %s", a.status, a.body)
		}
		a.json(t, &g)
		content := bytes.Repeat([]byte("%PDF-1.7\nplan local d'urbanisme "), 200_000) // about 6 MiB
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, _ := mw.CreateFormFile("file", "plu.pdf")
		fw.Write(content)
		mw.Close()
		req, _ := http.NewRequest("POST", c.public+"/api/v1/groups/"+g.ID+"/documents", &form)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		up := c.do(req)
		if up.status != 200 {
			t.Fatalf("upload: %d %s", up.status, up.body)
		}
		var doc struct{ ID string }
		up.json(t, &doc)
		down := c.until(up.by, func() answer { return c.api("GET", "/documents/"+doc.ID+"/file", token, nil) })
		if down.status != 200 || !bytes.Equal(down.body, content) {
			t.Fatalf("download on process %s: %d, %d bytes", down.by, down.status, len(down.body))
		}
		ranged := c.until(up.by, func() answer {
			return c.api("GET", "/documents/"+doc.ID+"/file", token, nil, "Range", "bytes=1000000-1000099")
		})
		if ranged.status != 206 || !bytes.Equal(ranged.body, content[1000000:1000100]) {
			t.Fatalf("range on process %s: %d %q", ranged.by, ranged.status, ranged.body)
		}
	})

	t.Run("a peer's signed delivery is processed by the worker", func(t *testing.T) {
		rita := testnet.NewRemoteActor(t, "rita")
		alice := c.public + "/users/alice"
		follow, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": rita.NewID("follow"), "type": "Follow", "actor": rita.URI, "object": alice})
		if resp := rita.Post(t, alice+"/inbox", follow); resp.StatusCode != 202 {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("delivery: %d %s", resp.StatusCode, body)
		}
		testnet.Eventually(t, wait, "the worker accepts rita's follow", func() bool {
			for _, p := range rita.Posts() {
				if bytes.Contains(p.Body, []byte(`"Accept"`)) && p.Signed() {
					return true
				}
			}
			return false
		})
		var me struct {
			FollowersCount int `json:"followers_count"`
		}
		c.api("GET", "/accounts/verify_credentials", token, nil).json(t, &me)
		if me.FollowersCount != 1 {
			t.Errorf("followers: %d", me.FollowersCount)
		}
	})

	t.Run("a stream on one process gets what another process and the worker commit", func(t *testing.T) {
		c.admin("user", "create", "--username", "bob", "--email", "bob@region.gouv.fr", "--password", "mot-de-passe-bob", "--tier", "state")
		bobToken := c.admin("token", "create", "--username", "bob")
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		// Straight to the second process, the post straight to the first:
		// only Redis links them.
		ws, _, err := websocket.Dial(ctx, "ws://"+c.serves[1]+"/api/v1/streaming?stream=user:notification",
			&websocket.DialOptions{Subprotocols: []string{bobToken}, Host: strings.TrimPrefix(c.public, "http://")})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		mentionOf := func(what string) string {
			t.Helper()
			for {
				_, raw, err := ws.Read(ctx)
				if err != nil {
					t.Fatalf("no mention %s: %v", what, err)
				}
				var e struct{ Event, Payload string }
				var n struct {
					Type    string
					Account struct{ Acct string }
				}
				if json.Unmarshal(raw, &e) == nil && e.Event == "notification" && json.Unmarshal([]byte(e.Payload), &n) == nil && n.Type == "mention" {
					return n.Account.Acct
				}
			}
		}
		body, _ := json.Marshal(map[string]any{"status": "@bob dossier prêt"})
		req, _ := http.NewRequest("POST", "http://"+c.serves[0]+"/api/v1/statuses", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Host = strings.TrimPrefix(c.public, "http://")
		if a := c.do(req); a.status != 200 {
			t.Fatalf("post on the first process: %d %s", a.status, a.body)
		}
		if by := mentionOf("from the first process"); by != "alice" {
			t.Errorf("mention by %q", by)
		}
		// A peer's post, processed by the worker process.
		rita := testnet.NewRemoteActor(t, "rita")
		bob := c.public + "/users/bob"
		note, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": rita.NewID("create"), "type": "Create", "actor": rita.URI, "to": []string{bob},
			"object": map[string]any{"id": rita.NewID("note"), "type": "Note", "attributedTo": rita.URI, "to": []string{bob},
				"content": "<p>@bob bonjour</p>", "tag": []map[string]any{{"type": "Mention", "href": bob}}}})
		if resp := rita.Post(t, bob+"/inbox", note); resp.StatusCode != 202 {
			t.Fatalf("delivery: %d", resp.StatusCode)
		}
		if by := mentionOf("processed by the worker"); !strings.HasPrefix(by, "rita@") {
			t.Errorf("mention by %q", by)
		}
	})

	t.Run("rate limits hold across processes", func(t *testing.T) {
		accepted, refused, by := 0, 0, map[string]bool{}
		for i := range 15 {
			a := c.api("POST", "/statuses", floodToken, map[string]any{"status": fmt.Sprintf("message %d", i)})
			by[a.by] = true
			switch a.status {
			case 200:
				accepted++
			case 429:
				refused++
			default:
				t.Fatalf("write %d: %d %s", i, a.status, a.body)
			}
		}
		if accepted != 10 || refused != 5 || len(by) != 2 {
			t.Errorf("API writes: %d accepted, %d refused by %d processes; want the burst of 10 over both", accepted, refused, len(by))
		}
		spam := testnet.NewRemoteActor(t, "spam")
		accepted, refused = 0, 0
		for range 15 {
			note, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": spam.NewID("create"), "type": "Create", "actor": spam.URI, "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
				"object": map[string]any{"id": spam.NewID("note"), "type": "Note", "attributedTo": spam.URI, "content": "achetez",
					"to": []string{"https://www.w3.org/ns/activitystreams#Public"}}})
			switch resp := spam.Post(t, c.public+"/inbox", note); resp.StatusCode {
			case 202:
				accepted++
			case 429:
				refused++
			default:
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("delivery: %d %s", resp.StatusCode, body)
			}
		}
		if accepted != 10 || refused != 5 {
			t.Errorf("inbox: %d accepted, %d refused; want the burst of 10 over both processes", accepted, refused)
		}
		if n := c.metric(`archipel_rate_limited_total{limit="api_writes"}`); n != 5 {
			t.Errorf("/metrics of the two processes count %v API writes refused, want 5", n)
		}
		if n := c.metric(`archipel_rate_limited_total{limit="inbox_per_host"}`); n != 5 {
			t.Errorf("/metrics of the two processes count %v deliveries refused, want 5", n)
		}
	})
}
