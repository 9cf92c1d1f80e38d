package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

const adminUsage = `Usage: archipel admin COMMAND [flags]

Commands (each prints only its result, so scripts can capture it):
  user create --username U --email E --password P [--tier state|public|partner] [--role admin|unit-admin|member] [--unit ID] [--display-name N]
                                      prints the new account's id
  user set --username U [--tier T] [--role R] [--unit ID]
  token create --username U [--name N] prints the bearer token alone
  group create --owner U --name N [--username H] [--description D] [--visibility public|private|secret] [--join-policy open|approval|invite] [--state-only]
                                      prints the group's id
  unit create --name N [--kind region|department|service|other] [--parent ID]
                                      prints the unit's id
  tier-rule set PATTERN TIER          e.g. "*.gouv.fr" state (no rule matches: partner)
  tier-rule list
  domain allow|block|clear HOST
  domain list                         hosts with a policy or failing deliveries
  deliveries list [--state pending|dead|failed|done]
  deliveries retry [--host H]          puts dead and failed deliveries back in the queue; prints how many
  federation-mode open|allowlist
  partners-create-groups yes|no       whether partner agents may create groups

Each command also takes the node's flags (--database-url, --public-url, …; see archipel serve --help).
`

// adminCmd is one admin command's flag set, bound to the node configuration.
type adminCmd struct {
	fs  *flag.FlagSet
	cfg config.Config
}

func newAdminCmd(name string) *adminCmd {
	c := &adminCmd{fs: flag.NewFlagSet("admin "+name, flag.ContinueOnError)}
	c.fs.Usage = func() { fmt.Fprint(c.fs.Output(), adminUsage) }
	c.cfg.Register(c.fs)
	return c
}

// open parses the flags, connects and migrates.
func (c *adminCmd) open(ctx context.Context, args []string) (*store.Store, *accounts.Service, func(), error) {
	if err := c.fs.Parse(args); err != nil {
		return nil, nil, nil, flagErr(err)
	}
	if err := c.cfg.Validate(); err != nil {
		return nil, nil, nil, err
	}
	pool, err := store.Connect(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := migrations.Apply(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, nil, err
	}
	st := store.New(pool)
	return st, &accounts.Service{Store: st, Links: ap.NewLinks(c.cfg.PublicURL)}, pool.Close, nil
}

func admin(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(os.Stderr, adminUsage)
		if len(args) == 0 {
			return errors.New("admin: a command is required")
		}
		return nil
	}
	cmd := args[0]
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		cmd += " " + args[1]
		args = args[2:]
	} else {
		args = args[1:]
	}
	switch cmd {
	case "user create":
		return adminUserCreate(ctx, out, args)
	case "user set":
		return adminUserSet(ctx, args)
	case "token create":
		return adminTokenCreate(ctx, out, args)
	case "group create":
		return adminGroupCreate(ctx, out, args)
	case "unit create":
		return adminUnitCreate(ctx, out, args)
	case "tier-rule set", "tier-rule list":
		return adminTierRule(ctx, out, cmd, args)
	case "domain list":
		return adminDomainList(ctx, out, args)
	case "deliveries list", "deliveries retry":
		return adminDeliveries(ctx, out, cmd, args)
	}
	switch first, rest, _ := strings.Cut(cmd, " "); first {
	case "domain":
		return adminDomain(ctx, rest, args)
	case "federation-mode":
		return adminSetting(ctx, store.SettingFederationMode, rest, args, map[string]string{"open": config.ModeOpen, "allowlist": config.ModeAllowlist})
	case "partners-create-groups":
		return adminSetting(ctx, store.SettingPartnersMayCreateGroups, rest, args, map[string]string{"yes": "true", "no": "false"})
	}
	return fmt.Errorf("admin: unknown command %q (see archipel admin --help)", cmd)
}

func adminUserCreate(ctx context.Context, out io.Writer, args []string) error {
	c := newAdminCmd("user create")
	var reg accounts.Registration
	var unit int64
	c.fs.StringVar(&reg.Username, "username", "", "login and handle")
	c.fs.StringVar(&reg.Email, "email", "", "e-mail address")
	c.fs.StringVar(&reg.Password, "password", "", "password (8 to 128 characters)")
	c.fs.StringVar(&reg.DisplayName, "display-name", "", "name shown to others")
	c.fs.StringVar(&reg.Tier, "tier", "", "state, public or partner (default: from the e-mail tier rules)")
	c.fs.StringVar(&reg.Role, "role", store.RoleMember, "admin, unit-admin or member")
	c.fs.Int64Var(&unit, "unit", 0, "organisation unit id")
	_, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	if unit != 0 {
		reg.UnitID = &unit
	}
	_, actor, err := svc.Register(ctx, reg)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, actor.ID)
	return nil
}

func adminUserSet(ctx context.Context, args []string) error {
	c := newAdminCmd("user set")
	var username, tier, role string
	var unit int64
	c.fs.StringVar(&username, "username", "", "the account")
	c.fs.StringVar(&tier, "tier", "", "new tier")
	c.fs.StringVar(&role, "role", "", "new role")
	c.fs.Int64Var(&unit, "unit", 0, "new unit id")
	st, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	acct, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	var r accounts.Rights
	if tier != "" {
		r.Tier = &tier
	}
	if role != "" {
		r.Role = &role
	}
	if unit != 0 {
		r.UnitID = &unit
	}
	return svc.SetRights(ctx, nil, acct, r)
}

func adminTokenCreate(ctx context.Context, out io.Writer, args []string) error {
	c := newAdminCmd("token create")
	var username, name string
	c.fs.StringVar(&username, "username", "", "the account the token acts as")
	c.fs.StringVar(&name, "name", "cli", "a label to recognise the token")
	st, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	acct, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	tok, err := svc.CreateToken(ctx, acct, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, tok)
	return nil
}

func adminGroupCreate(ctx context.Context, out io.Writer, args []string) error {
	c := newAdminCmd("group create")
	var owner string
	var ng outbox.NewGroup
	c.fs.StringVar(&owner, "owner", "", "username of the owner")
	c.fs.StringVar(&ng.Name, "name", "", "the group's name")
	c.fs.StringVar(&ng.Username, "username", "", "the group's handle (default: from the name)")
	c.fs.StringVar(&ng.Description, "description", "", "what the group is for")
	c.fs.StringVar(&ng.Visibility, "visibility", store.VisibilityPublic, "public, private or secret")
	c.fs.StringVar(&ng.JoinPolicy, "join-policy", store.JoinOpen, "open, approval or invite")
	c.fs.BoolVar(&ng.StateOnly, "state-only", false, "only State agents may join")
	st, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	acct, err := st.AccountByUsername(ctx, owner)
	if err != nil {
		return fmt.Errorf("owner %q: %w", owner, err)
	}
	ob := &outbox.Outbox{Store: st, Links: svc.Links, Accounts: svc}
	g, err := ob.CreateGroup(ctx, acct, ng)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, g.ID)
	return nil
}

func adminUnitCreate(ctx context.Context, out io.Writer, args []string) error {
	c := newAdminCmd("unit create")
	var name, kind string
	var parent int64
	c.fs.StringVar(&name, "name", "", "the unit's name")
	c.fs.StringVar(&kind, "kind", "service", "region, department, service or other")
	c.fs.Int64Var(&parent, "parent", 0, "id of the parent unit")
	_, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	var parentID *int64
	if parent != 0 {
		parentID = &parent
	}
	u, err := svc.CreateUnit(ctx, nil, name, kind, parentID)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, u.ID)
	return nil
}

func adminTierRule(ctx context.Context, out io.Writer, cmd string, args []string) error {
	c := newAdminCmd(cmd)
	st, svc, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	if cmd == "tier-rule list" {
		rules, err := st.TierRules(ctx)
		if err != nil {
			return err
		}
		for _, r := range rules {
			fmt.Fprintf(out, "%s\t%s\n", r.Pattern, r.Tier)
		}
		return nil
	}
	if c.fs.NArg() != 2 {
		return errors.New("usage: archipel admin tier-rule set PATTERN TIER")
	}
	_, err = svc.SetTierRule(ctx, nil, c.fs.Arg(0), c.fs.Arg(1))
	return err
}

func adminDomain(ctx context.Context, action string, args []string) error {
	policies := map[string]string{"allow": store.PolicyAllow, "block": store.PolicyBlock, "clear": store.PolicyNone}
	policy, ok := policies[action]
	if !ok {
		return errors.New("usage: archipel admin domain allow|block|clear HOST")
	}
	c := newAdminCmd("domain " + action)
	st, _, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	if c.fs.NArg() != 1 {
		return errors.New("usage: archipel admin domain allow|block|clear HOST")
	}
	host := strings.ToLower(strings.TrimSpace(c.fs.Arg(0)))
	if host == "" || strings.ContainsAny(host, "/@ ") {
		return fmt.Errorf("domain %q: want a host name, with its port if not the default", host)
	}
	return st.SetDomainPolicy(ctx, host, policy)
}

func adminSetting(ctx context.Context, key, value string, args []string, allowed map[string]string) error {
	stored, ok := allowed[value]
	if !ok {
		names := make([]string, 0, len(allowed))
		for k := range allowed {
			names = append(names, k)
		}
		return fmt.Errorf("want one of %s", strings.Join(names, ", "))
	}
	c := newAdminCmd(key)
	st, _, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	return st.SetSetting(ctx, key, stored)
}

func adminDomainList(ctx context.Context, out io.Writer, args []string) error {
	c := newAdminCmd("domain list")
	st, _, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	domains, err := st.Domains(ctx)
	if err != nil {
		return err
	}
	for _, d := range domains {
		state := "reachable"
		if d.UnreachableSince != nil {
			state = "unreachable since " + d.UnreachableSince.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(out, "%s\tpolicy=%s\tfailures=%d\t%s\n", d.Host, orDash(d.Policy), d.Failures, state)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func adminDeliveries(ctx context.Context, out io.Writer, cmd string, args []string) error {
	c := newAdminCmd(cmd)
	state := c.fs.String("state", store.DeliveryPending, "pending, dead, failed or done")
	host := c.fs.String("host", "", "only this host (retry)")
	st, _, closeFn, err := c.open(ctx, args)
	if err != nil {
		return err
	}
	defer closeFn()
	if cmd == "deliveries retry" {
		n, err := st.RetryDead(ctx, strings.ToLower(*host))
		if err != nil {
			return err
		}
		// A running worker's reconciler enqueues them within its period.
		fmt.Fprintln(out, n)
		return nil
	}
	ds, err := st.DeliveriesByState(ctx, *state, 500)
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintf(out, "%d\t%s\tattempts=%d\tnext=%s\t%s\n", d.ID, d.Inbox, d.Attempts, d.NextAt.UTC().Format(time.RFC3339), d.LastError)
	}
	return nil
}
