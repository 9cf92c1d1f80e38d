package observatory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/archipel-social/archipel/store"
)

// Published is the document a node serves at /observatory.json: its
// monthly aggregates, with an id on its own host so that a peer's fetch
// can check where it comes from.
type Published struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	Node        string  `json:"node"`
	Observatory *Report `json:"observatory"`
}

// PublishedType names the document.
const PublishedType = "ArchipelObservatory"

// refreshEvery is how often a peer's aggregates are fetched again.
const refreshEvery = time.Hour

// Fetcher GETs a peer's document, signed by this node (the federator's
// Fetch: SSRF-safe, size-limited, id checked against the host).
type Fetcher func(ctx context.Context, url string) ([]byte, error)

// RefreshPeers fetches the aggregates of the allowlisted peers not fetched
// for an hour, and records each answer or failure. scheme is how peers are
// reached ("https", "http" on a test network).
func RefreshPeers(ctx context.Context, s *store.Store, fetch Fetcher, scheme string) error {
	hosts, err := s.StalePeerObservatories(ctx, time.Now().Add(-refreshEvery))
	if err != nil {
		return err
	}
	var errs []error
	for _, host := range hosts {
		body, err := fetch(ctx, scheme+"://"+host+"/observatory.json")
		var doc Published
		if err == nil {
			if err = json.Unmarshal(body, &doc); err == nil && (doc.Type != PublishedType || doc.Observatory == nil) {
				err = errors.New("not an observatory document")
			}
		}
		if err != nil {
			// A peer that does not publish is not an error of ours.
			errs = append(errs, s.SavePeerObservatory(ctx, host, nil, err.Error()))
			continue
		}
		clean, _ := json.Marshal(doc.Observatory)
		errs = append(errs, s.SavePeerObservatory(ctx, host, clean, ""))
	}
	return errors.Join(errs...)
}

// NodeStatus says where a node's figures come from.
type NodeStatus struct {
	Host      string     `json:"host"`
	Own       bool       `json:"own"`
	FetchedAt *time.Time `json:"fetched_at"`
	Error     string     `json:"error"`
}

// NetworkBucket sums the shown figures of every node for one month. A
// figure a node hid (fewer than Threshold people) is not in the sum, and
// the node is counted in Hidden: the sum never reveals a small count.
type NetworkBucket struct {
	Start           string         `json:"start"`
	Nodes           int            `json:"nodes"`
	ActiveMembers   int            `json:"active_members"`
	NewMembers      int            `json:"new_members"`
	DepartedMembers int            `json:"departed_members"`
	Posts           int            `json:"posts"`
	Replies         int            `json:"replies"`
	Likes           int            `json:"likes"`
	Documents       int            `json:"documents"`
	Versions        int            `json:"versions"`
	Hidden          map[string]int `json:"hidden"`
}

// Network is the federation-wide view: this node and every peer that
// shares its aggregates.
type Network struct {
	Nodes   []NodeStatus    `json:"nodes"`
	Buckets []NetworkBucket `json:"buckets"`
}

// NetworkView sums own (this node's monthly report) and the peers' last
// fetched reports, month by month.
func NetworkView(ctx context.Context, s *store.Store, ownHost string, own *Report) (*Network, error) {
	peers, err := s.PeerObservatories(ctx)
	if err != nil {
		return nil, err
	}
	nw := &Network{Nodes: []NodeStatus{{Host: ownHost, Own: true}}}
	reports := []*Report{own}
	for _, p := range peers {
		at := p.FetchedAt
		nw.Nodes = append(nw.Nodes, NodeStatus{Host: p.Host, FetchedAt: &at, Error: p.LastError})
		if p.Report == nil {
			continue
		}
		var r Report
		if err := json.Unmarshal(p.Report, &r); err != nil {
			return nil, fmt.Errorf("peer %s: %w", p.Host, err)
		}
		reports = append(reports, &r)
	}
	byStart := map[string]*NetworkBucket{}
	for _, r := range reports {
		if r.Step != StepMonth {
			continue // published reports are monthly; anything else is not summed
		}
		for _, b := range r.Buckets {
			nb := byStart[b.Start]
			if nb == nil {
				nb = &NetworkBucket{Start: b.Start, Hidden: map[string]int{}}
				byStart[b.Start] = nb
			}
			nb.Nodes++
			for name, f := range map[string]struct {
				v   *int
				sum *int
			}{"active_members": {b.ActiveMembers, &nb.ActiveMembers}, "new_members": {b.NewMembers, &nb.NewMembers},
				"departed_members": {b.DepartedMembers, &nb.DepartedMembers}, "posts": {b.Posts, &nb.Posts},
				"replies": {b.Replies, &nb.Replies}, "likes": {b.Likes, &nb.Likes}, "documents": {b.Documents, &nb.Documents},
				"versions": {b.Versions, &nb.Versions}} {
				if f.v == nil {
					nb.Hidden[name]++
					continue
				}
				*f.sum += *f.v
			}
		}
	}
	for _, b := range byStart {
		nw.Buckets = append(nw.Buckets, *b)
	}
	sort.Slice(nw.Buckets, func(i, j int) bool { return nw.Buckets[i].Start < nw.Buckets[j].Start })
	return nw, nil
}
