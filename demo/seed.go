package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// settleTimeout bounds the wait for federation to deliver everything.
const settleTimeout = 3 * time.Minute

// agentUsername is the handle of agent i of node n.
func agentUsername(n, i int) string {
	first := firstNames[(i*7+n*3)%len(firstNames)]
	last := lastNames[(i*11+n*5)%len(lastNames)]
	u := outbox.Slug(first + " " + last)
	if i >= len(firstNames) {
		u = fmt.Sprintf("%s_%d", u, i)
	}
	return u
}

// progress draws a bar on a terminal-like writer.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	done  int
	step  string
}

func (p *progress) add(n int, step string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.step = step
	width := 30
	filled := width * p.done / max(p.total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %-40s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		100*p.done/max(p.total, 1), step)
}

// seeded holds what seeding created, by node.
type seeded struct {
	agents [][]*agent
	groups []*store.Group // on their home node
}

type agent struct {
	acct  *store.Account
	actor *store.Actor
}

func (f *Federation) seed(ctx context.Context, o Options) error {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	p := &progress{w: o.Out, total: len(f.Nodes)*o.AgentsPerNode + len(groupSpecs)*4 + 20}
	s := &seeded{agents: make([][]*agent, len(f.Nodes))}
	if err := f.seedPolicies(ctx); err != nil {
		return err
	}
	// Nodes are seeded side by side (key generation dominates); each has its
	// own random stream so the world stays the same whatever the order.
	errs := make([]error, len(f.Nodes))
	var wg sync.WaitGroup
	for i, n := range f.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodeRng := rand.New(rand.NewPCG(o.Seed, uint64(i+1)))
			s.agents[i], errs[i] = seedNode(ctx, n, i, o.AgentsPerNode, nodeRng, p)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("node %s: %w", n.Spec.Key, errs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := f.seedGroups(ctx, s, rng, p); err != nil {
		return err
	}
	if err := f.seedFollows(ctx, s, rng); err != nil {
		return err
	}
	if err := f.settle(ctx); err != nil {
		return err
	}
	p.add(5, "follows")
	if err := f.seedPosts(ctx, s, rng, p); err != nil {
		return err
	}
	if err := f.seedDocuments(ctx, s, rng); err != nil {
		return err
	}
	if err := f.seedEvents(ctx, s); err != nil {
		return err
	}
	if err := f.seedWiki(ctx, s, rng); err != nil {
		return err
	}
	if err := f.settle(ctx); err != nil {
		return err
	}
	p.add(p.total-p.done, "done")
	fmt.Fprintln(o.Out)
	for _, n := range f.Nodes {
		if err := n.Store.SetSetting(ctx, seededKey, "true"); err != nil {
			return err
		}
	}
	return nil
}

// seedPolicies: the partner's node federates only with the three State
// nodes; the State nodes trust each other's and the partner's tiers.
func (f *Federation) seedPolicies(ctx context.Context) error {
	for _, n := range f.Nodes {
		for _, other := range f.Nodes {
			if other != n {
				if err := n.Store.SetDomainPolicy(ctx, other.Links.Host(), store.PolicyAllow); err != nil {
					return err
				}
			}
		}
		if n.Spec.Partner {
			if err := n.Store.SetSetting(ctx, store.SettingFederationMode, "allowlist"); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedNode(ctx context.Context, n *Node, idx, count int, rng *rand.Rand, p *progress) ([]*agent, error) {
	svc := n.Accounts
	if _, err := svc.SetTierRule(ctx, nil, "*."+n.Spec.Domain, n.Spec.Tier); err != nil {
		return nil, err
	}
	if _, err := svc.SetTierRule(ctx, nil, n.Spec.Domain, n.Spec.Tier); err != nil {
		return nil, err
	}
	if _, err := svc.SetTierRule(ctx, nil, "mairie-metz.fr", store.TierPublic); err != nil {
		return nil, err
	}
	region, err := svc.CreateUnit(ctx, nil, n.Spec.Region, "region", nil)
	if err != nil {
		return nil, err
	}
	var services []*store.Unit
	for _, d := range n.Spec.Departments {
		dep, err := svc.CreateUnit(ctx, nil, d, "department", &region.ID)
		if err != nil {
			return nil, err
		}
		for _, sv := range n.Spec.Services {
			u, err := svc.CreateUnit(ctx, nil, sv+" "+d, "service", &dep.ID)
			if err != nil {
				return nil, err
			}
			services = append(services, u)
		}
	}
	if _, _, err := svc.Register(ctx, accounts.Registration{Username: "admin", Email: "admin@" + n.Spec.Domain,
		Password: Password, DisplayName: "Administration " + n.Spec.Region, Role: store.RoleAdmin, Tier: n.Spec.Tier, UnitID: &region.ID}); err != nil {
		return nil, err
	}
	if idx == 1 {
		if _, _, err := svc.Register(ctx, accounts.Registration{Username: "mairie_metz", Email: "urbanisme@mairie-metz.fr",
			Password: Password, DisplayName: "Mairie de Metz – urbanisme"}); err != nil {
			return nil, err
		}
	}
	var out []*agent
	for i := range count {
		username := agentUsername(idx, i)
		first := firstNames[(i*7+idx*3)%len(firstNames)]
		last := lastNames[(i*11+idx*5)%len(lastNames)]
		unit := services[rng.IntN(len(services))]
		role := store.RoleMember
		if i == 1 {
			role = store.RoleUnitAdmin
		}
		acct, actor, err := svc.Register(ctx, accounts.Registration{Username: username,
			Email: strings.ReplaceAll(username, "_", ".") + "@" + n.Spec.Domain, Password: Password,
			DisplayName: first + " " + last, Role: role, UnitID: &unit.ID})
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", username, err)
		}
		var picked []string
		for _, k := range rng.Perm(len(skills))[:2+rng.IntN(3)] {
			picked = append(picked, skills[k])
		}
		org, unitName := n.Spec.Organisation, unit.Name
		job := jobTitles[rng.IntN(len(jobTitles))]
		bio := fmt.Sprintf("%s au sein de %s. Intéressé·e par %s.", job, unit.Name, strings.Join(picked, ", "))
		actor, err = svc.UpdateProfile(ctx, actor.ID, accounts.Profile{Organisation: &org, UnitName: &unitName, JobTitle: &job,
			Bio: &bio, Skills: picked, SkillsSet: true})
		if err != nil {
			return nil, err
		}
		out = append(out, &agent{acct: acct, actor: actor})
		p.add(1, "agents of "+n.Spec.Region)
	}
	return out, nil
}

func (f *Federation) seedGroups(ctx context.Context, s *seeded, rng *rand.Rand, p *progress) error {
	for _, gs := range groupSpecs {
		home := f.Nodes[gs.Node]
		owner := s.agents[gs.Node][0]
		if home.Spec.Partner {
			// The partner association's node lets its admin open groups.
			acct, err := home.Store.AccountByUsername(ctx, "admin")
			if err != nil {
				return err
			}
			owner = &agent{acct: acct}
			if owner.actor, err = home.Store.ActorByID(ctx, acct.ActorID); err != nil {
				return err
			}
		}
		g, err := home.Outbox.CreateGroup(ctx, owner.acct, outbox.NewGroup{Name: gs.Name, Description: gs.Description,
			Visibility: gs.Visibility, JoinPolicy: gs.JoinPolicy, StateOnly: gs.StateOnly})
		if err != nil {
			return fmt.Errorf("group %s: %w", gs.Name, err)
		}
		s.groups = append(s.groups, g)
		// An animator besides the owner.
		if len(s.agents[gs.Node]) > 2 {
			animator := s.agents[gs.Node][2]
			if _, err := home.Outbox.Join(ctx, animator.actor, g.Actor); err == nil {
				if gs.JoinPolicy != store.JoinOpen {
					_ = home.Outbox.AnswerJoin(ctx, g, animator.actor, "", true, nil)
				}
				_ = home.Outbox.SetRole(ctx, owner.acct, g.ID, animator.actor.ID, store.MemberAnimator)
			}
		}
		for _, from := range gs.From {
			node := f.Nodes[from]
			for _, a := range pick(rng, s.agents[from], 3) {
				if a == owner || (gs.StateOnly && a.acct.Tier != store.TierState) {
					continue
				}
				if err := f.addMember(ctx, home, g, node, a); err != nil {
					return fmt.Errorf("%s joins %s: %w", a.actor.Handle(), gs.Name, err)
				}
			}
		}
		p.add(2, "groups")
	}
	if err := f.settle(ctx); err != nil {
		return err
	}
	// Approve the requests of approval groups, as their animators would.
	for i, gs := range groupSpecs {
		if gs.JoinPolicy != store.JoinApproval {
			continue
		}
		home, g := f.Nodes[gs.Node], s.groups[i]
		owner, err := home.Store.AccountByID(ctx, *g.CreatedBy)
		if err != nil {
			return err
		}
		pending, err := home.Store.Members(ctx, g.ID, store.StatePending, 0, 200)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if err := home.Outbox.Approve(ctx, owner, g.ID, m.MemberID, true); err != nil {
				return err
			}
		}
		p.add(2, "approvals")
	}
	return f.settle(ctx)
}

// addMember has an agent of node join a group of home: directly on the same
// node, through Join (or the group's Invite for secret groups) otherwise.
func (f *Federation) addMember(ctx context.Context, home *Node, g *store.Group, node *Node, a *agent) error {
	if g.Visibility == store.VisibilitySecret {
		owner, err := home.Store.AccountByID(ctx, *g.CreatedBy)
		if err != nil {
			return err
		}
		invitee := a.actor
		if node != home {
			if invitee, err = home.Federator.ResolveHandle(ctx, a.actor.Handle()); err != nil {
				return err
			}
		}
		if _, err := home.Outbox.Invite(ctx, owner, g.ID, invitee); err != nil {
			return err
		}
		if node == home {
			_, err = node.Outbox.Join(ctx, a.actor, g.Actor)
			return err
		}
		return nil // the remote invitee accepts later (after settling)
	}
	groupActor := g.Actor
	if node != home {
		var err error
		if groupActor, err = node.Federator.ResolveHandle(ctx, g.Handle()); err != nil {
			return err
		}
	}
	_, err := node.Outbox.Join(ctx, a.actor, groupActor)
	return err
}

func (f *Federation) seedFollows(ctx context.Context, s *seeded, rng *rand.Rand) error {
	for i, n := range f.Nodes {
		for _, a := range pick(rng, s.agents[i], 5) {
			other := (i + 1 + rng.IntN(len(f.Nodes)-1)) % len(f.Nodes)
			for _, b := range pick(rng, s.agents[other], 2) {
				target, err := n.Federator.ResolveHandle(ctx, b.actor.Handle())
				if err != nil {
					return err
				}
				if _, err := n.Outbox.Follow(ctx, a.actor, target); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// seedPosts: members post in their groups, others answer and like.
func (f *Federation) seedPosts(ctx context.Context, s *seeded, rng *rand.Rand, p *progress) error {
	for i := range groupSpecs {
		g := s.groups[i]
		members := f.localMembers(ctx, g, s)
		if len(members) == 0 {
			continue
		}
		var posts []*store.Object
		// Up to eight members post, so that a group's observatory shows
		// its figures (people counts under 5 are hidden).
		for k := range min(8, len(members)) {
			m := members[(k+i)%len(members)]
			obj, err := m.node.Outbox.CreateNote(ctx, m.actor, outbox.NewNote{Text: postTexts[rng.IntN(len(postTexts))], GroupID: m.groupID})
			if err != nil {
				return fmt.Errorf("post in %s: %w", g.DisplayName, err)
			}
			posts = append(posts, obj)
		}
		p.add(1, "posts")
		if err := f.settle(ctx); err != nil {
			return err
		}
		// A reply and a like from another member, on that member's node.
		for k, post := range posts {
			m := members[(k+i+1)%len(members)]
			local, err := m.node.Store.ObjectByURI(ctx, post.URI)
			if err != nil {
				continue // not there: the member's node is not in this group's audience
			}
			if _, err := m.node.Outbox.CreateNote(ctx, m.actor, outbox.NewNote{Text: "Merci, je regarde et je reviens vers vous.", InReplyToID: local.ID}); err != nil {
				return err
			}
			if _, err := m.node.Outbox.Like(ctx, m.actor, local.ID, true); err != nil {
				return err
			}
		}
	}
	// Public posts on profiles, seen by followers on other nodes.
	for i, n := range f.Nodes {
		for _, a := range pick(rng, s.agents[i], 3) {
			if _, err := n.Outbox.CreateNote(ctx, a.actor, outbox.NewNote{Text: postTexts[rng.IntN(len(postTexts))]}); err != nil {
				return err
			}
		}
	}
	return nil
}

type member struct {
	node    *Node
	actor   *store.Actor
	groupID int64 // the group's id on the member's node
}

// localMembers lists a group's accepted members with the node they are on.
func (f *Federation) localMembers(ctx context.Context, g *store.Group, s *seeded) []member {
	var out []member
	for i, n := range f.Nodes {
		groupActor, err := n.Store.ActorByURI(ctx, g.URI)
		if err != nil {
			continue
		}
		for _, a := range s.agents[i] {
			if m, err := n.Store.MembershipOf(ctx, groupActor.ID, a.actor.ID); err == nil && m.State == store.StateAccepted {
				out = append(out, member{node: n, actor: a.actor, groupID: groupActor.ID})
			}
		}
	}
	return out
}

func (f *Federation) seedDocuments(ctx context.Context, s *seeded, rng *rand.Rand) error {
	for k, spec := range documentSpecs {
		g := s.groups[[]int{1, 0, 6}[k]]
		members := f.localMembers(ctx, g, s)
		if len(members) < 2 {
			continue
		}
		m := members[rng.IntN(len(members))]
		body := fmt.Sprintf("%s\n\n%s\n\nDocument de démonstration d'Archipel.\n", spec.Description, strings.Repeat("Texte du document. ", 40))
		file, err := m.node.Outbox.StoreFile(ctx, spec.Name, strings.NewReader(body))
		if err != nil {
			return err
		}
		d, err := m.node.Outbox.UploadDocument(ctx, m.actor, m.groupID, file, spec.Description, spec.Folder)
		if err != nil {
			return fmt.Errorf("document %s: %w", spec.Name, err)
		}
		if err := f.settle(ctx); err != nil {
			return err
		}
		// A second version by another member, from their own node.
		other := members[(rng.IntN(len(members)-1)+1)%len(members)]
		local, err := other.node.Store.DocumentByURI(ctx, d.URI)
		if err != nil {
			continue
		}
		file, err = other.node.Outbox.StoreFile(ctx, spec.Name, strings.NewReader(body+"\nVersion revue et complétée.\n"))
		if err != nil {
			return err
		}
		if _, err := other.node.Outbox.AddDocumentVersion(ctx, other.actor, local.ID, file); err != nil {
			return fmt.Errorf("version of %s: %w", spec.Name, err)
		}
	}
	return nil
}

// settle waits until every node has delivered and processed everything.
func (f *Federation) settle(ctx context.Context) error {
	deadline := time.Now().Add(settleTimeout)
	for {
		busy := 0
		for _, n := range f.Nodes {
			var pending int
			if err := n.Pool.QueryRow(ctx, `select (select count(*) from deliveries where state = 'pending')
				+ (select count(*) from activities where processed_at is null and not local)`).Scan(&pending); err != nil {
				return err
			}
			busy += pending
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("federation did not settle in %s (%d deliveries or activities pending)", settleTimeout, busy)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pick returns up to n distinct agents, in a reproducible order.
func pick(rng *rand.Rand, from []*agent, n int) []*agent {
	var out []*agent
	for _, i := range rng.Perm(len(from)) {
		if len(out) == n {
			break
		}
		out = append(out, from[i])
	}
	return out
}
