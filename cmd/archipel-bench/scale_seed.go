package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/store"
)

// seedSize is how big a node the scale benchmark builds.
type seedSize struct {
	actors, groups, posts, likes, documents int
	localShare                              float64 // local people among actors
	remoteHosts                             int
}

// seeded is what the measurements need to know of the seeded node.
type seeded struct {
	dense, sparse, fresh reader // home timeline readers
	notified             reader // a local author with many notifications
	bigGroup             int64  // the group with the most posts
	bigGroupName         string
	profileName          string // a prolific local author
	nameQuery            string // a family name in the directory
	seedTime             time.Duration
	rows                 map[string]int64
}

// reader is a local account with a real API token.
type reader struct {
	actorID int64
	token   string
	follows int
	groups  int
}

// Vocabulary of the generated French posts and documents: administrative
// words drawn with a Zipf law, so that some are in a third of the posts and
// others in a few hundred, as in a real corpus.
var frenchWords = strings.Fields(`projet réunion dossier conseil commune service public marché
	délibération budget subvention école collège transport voirie urbanisme logement rénovation
	énergétique chaufferie eau assainissement déchets tri collecte compostage mobilité vélo piste
	cyclable bus tramway gare parking stationnement santé hôpital médecin social solidarité
	emploi insertion formation apprentissage jeunesse sport culture bibliothèque médiathèque musée
	patrimoine tourisme agriculture forêt biodiversité climat adaptation inondation sécheresse
	risques prévention sécurité police pompiers numérique fibre données ouverture logiciel libre
	cybersécurité messagerie visioconférence télétravail archives état civil élection recensement
	cadastre permis construire aménagement zone artisanale commerce centre-ville marché hebdomadaire
	association bénévoles fête festival concert exposition atelier enfants crèche périscolaire
	cantine restauration alimentation circuits courts producteurs locaux achat commande groupement
	appel offres candidature cahier charges prestataire contrat convention partenariat région
	département intercommunalité préfecture ministère décret circulaire arrêté règlement
	consultation concertation habitants enquête questionnaire calendrier échéance comité pilotage
	bilan rapport annuel indicateurs évaluation tableau bord compte rendu ordre jour proposition
	validation signature planning équipe agents recrutement fiche poste mobilité interne`)

var frenchSkills = strings.Fields(`urbanisme marchés_publics droit_public finances_locales
	comptabilité_publique ressources_humaines paie informatique réseaux cybersécurité
	développement_web données géomatique SIG cartographie communication relations_presse
	événementiel juridique contentieux commande_publique achats environnement énergie
	transition_écologique biodiversité eau assainissement déchets voirie bâtiment architecture
	patrimoine culture médiation lecture_publique archives état_civil élections social
	petite_enfance jeunesse éducation sport santé prévention sécurité police_municipale
	tourisme économie emploi insertion formation agriculture forêt mobilité transports logement
	habitat politique_de_la_ville participation_citoyenne concertation démocratie_locale
	gestion_de_projet conduite_du_changement qualité contrôle_de_gestion audit évaluation
	subventions fonds_européens coopération international traduction accueil standard
	secrétariat documentation veille logistique restauration_collective`)

var familyNames = strings.Fields(`Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau
	Laurent Simon Michel Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont
	Lambert Fontaine Rousseau Vincent Muller Lefevre Faure Andre Mercier Blanc Guerin Boyer Garnier
	Chevalier Francois Legrand Gauthier Garcia Perrin Robin Clement Morin Nicolas Henry Roussel
	Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noel Meyer Dufour Meunier Brun
	Blanchard Giraud Joly Riviere Lucas Brunet Gaillard Barbier Arnaud Martinez Gerard Roche Renard`)

var givenNames = strings.Fields(`Marie Jean Camille Nicolas Julie Pierre Sophie Thomas Claire Luc
	Anne Paul Élise Hugo Léa Louis Chloé Antoine Manon Julien Inès Mathieu Sarah Olivier Laura
	Émilie François Céline Hélène Bruno Agnès Yves Aurélie Rémi Noémie Cédric Amélie Jérôme`)

var organisations = strings.Fields(`Mairie_de_Lyon Ville_de_Rennes Région_Bretagne
	Département_du_Nord Préfecture_de_l'Isère Métropole_de_Lille DINUM Ministère_de_la_Culture
	Communauté_de_communes_du_Pays_Basque Ville_de_Grenoble Département_de_la_Gironde
	Région_Occitanie Ville_de_Nantes Agence_de_l'eau CNFPT Ville_de_Strasbourg`)

func underscoresToSpaces(s string) string { return strings.ReplaceAll(s, "_", " ") }

// zipf draws 0..n-1 with a power law (0 the most likely).
type zipf struct{ z *mrand.Zipf }

func newZipf(r *mrand.Rand, s float64, n int) zipf {
	return zipf{mrand.NewZipf(r, s, 1, uint64(n-1))}
}
func (z zipf) next() int { return int(z.z.Uint64()) }

// seedNode fills the node's database with COPY. Ids are chosen here
// (sequences are moved past them at the end), so that the rows can refer
// to each other without reading anything back.
func seedNode(ctx context.Context, b *benchNode, size seedSize) (*seeded, error) {
	start := time.Now()
	conn, err := b.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	db := conn.Conn()
	// The rows are consistent by construction: no foreign-key triggers
	// (replica mode) and the indexes of objects are built once at the end,
	// which is several times faster than keeping them up to date row by row.
	if _, err := db.Exec(ctx, `set maintenance_work_mem = '256MB'; set session_replication_role = replica`); err != nil {
		return nil, err
	}
	defer db.Exec(context.Background(), `reset session_replication_role`)
	idxRows, err := db.Query(ctx, `select indexname, indexdef from pg_indexes where tablename = 'objects'
		and indexname not in ('objects_pkey', 'objects_uri_key')`)
	if err != nil {
		return nil, err
	}
	objIndexes, err := pgx.CollectRows(idxRows, pgx.RowToStructByPos[struct{ Name, Def string }])
	if err != nil {
		return nil, err
	}
	for _, ix := range objIndexes {
		if _, err := db.Exec(ctx, `drop index `+pgx.Identifier{ix.Name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	r := mrand.New(mrand.NewPCG(18, 2026))
	out := &seeded{rows: map[string]int64{}}
	links := b.Links
	template, err := links.NewLocalActor(store.TypePerson, "template", "template")
	if err != nil {
		return nil, err
	}
	var base int64
	if err := db.QueryRow(ctx, `select coalesce(max(id), 0) + 1000 from actors`).Scan(&base); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	copyRows := func(table string, cols []string, rows [][]any) error {
		n, err := db.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		out.rows[table] += n
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}

	// Units.
	var unitBase int64
	if err := db.QueryRow(ctx, `select coalesce(max(id), 0) + 1 from units`).Scan(&unitBase); err != nil {
		return nil, err
	}
	var unitRows [][]any
	for i := range 50 {
		unitRows = append(unitRows, []any{unitBase + int64(i), "Service " + underscoresToSpaces(frenchSkills[i%len(frenchSkills)]), "service"})
	}
	if err := copyRows("units", []string{"id", "name", "kind"}, unitRows); err != nil {
		return nil, err
	}

	// People: local ones first, then remote ones on remoteHosts hosts.
	locals := int(float64(size.actors) * size.localShare)
	person := func(i int) int64 { return base + int64(i) }
	group := func(i int) int64 { return base + int64(size.actors) + int64(i) }
	localName := func(i int) string { return fmt.Sprintf("agent%05d", i) }
	groupName := func(i int) string { return fmt.Sprintf("groupe%04d", i) }
	actorCols := []string{"id", "uri", "type", "username", "host", "local", "display_name", "organisation", "unit_name",
		"job_title", "tier", "inbox", "outbox", "followers", "following", "shared_inbox", "url", "public_key_id",
		"public_key_pem", "private_key_pem", "fetched_at"}
	var actorRows, accountRows, skillRows [][]any
	for i := range size.actors {
		name := givenNames[r.IntN(len(givenNames))] + " " + familyNames[r.IntN(len(familyNames))]
		org := underscoresToSpaces(organisations[r.IntN(len(organisations))])
		unit := unitRows[r.IntN(len(unitRows))]
		if i < locals {
			u := localName(i)
			uri := links.Person(u)
			actorRows = append(actorRows, []any{person(i), uri, store.TypePerson, u, links.Host(), true, name, org, unit[1],
				"chargé de mission", store.TierState, links.Inbox(uri), links.Outbox(uri), links.Followers(uri), links.Following(uri),
				links.SharedInbox(), links.Profile(u, false), links.KeyID(uri), template.PublicKeyPEM, template.PrivateKeyPEM, nil})
			accountRows = append(accountRows, []any{person(i), person(i), u, u + "@bench.gouv.fr", "", store.TierState,
				store.RoleMember, unit[0], now, now})
		} else {
			host := fmt.Sprintf("noeud%03d.example", i%size.remoteHosts)
			u := fmt.Sprintf("agent%05d", i)
			uri := "https://" + host + "/users/" + u
			actorRows = append(actorRows, []any{person(i), uri, store.TypePerson, u, host, false, name, org, unit[1],
				"chargée d'études", "", uri + "/inbox", uri + "/outbox", uri + "/followers", uri + "/following",
				"https://" + host + "/inbox", "https://" + host + "/@" + u, uri + "#main-key", template.PublicKeyPEM, "", now})
		}
		for _, k := range r.Perm(len(frenchSkills))[:1+r.IntN(4)] {
			skillRows = append(skillRows, []any{person(i), underscoresToSpaces(frenchSkills[k])})
		}
	}
	for i := range size.groups {
		u := groupName(i)
		uri := links.Group(u)
		actorRows = append(actorRows, []any{group(i), uri, store.TypeGroup, u, links.Host(), true,
			"Groupe " + underscoresToSpaces(frenchSkills[i%len(frenchSkills)]) + " " + strconv.Itoa(i), "", "", "", "",
			links.Inbox(uri), links.Outbox(uri), links.Followers(uri), "", links.SharedInbox(), links.Profile(u, true),
			links.KeyID(uri), template.PublicKeyPEM, template.PrivateKeyPEM, nil})
	}
	if err := copyRows("actors", actorCols, actorRows); err != nil {
		return nil, err
	}
	actorRows = nil
	if err := copyRows("accounts", []string{"id", "actor_id", "username", "email", "password_hash", "tier", "role",
		"unit_id", "confirmed_at", "approved_at"}, accountRows); err != nil {
		return nil, err
	}
	// Skills are folded by PostgreSQL's archipel_fold, as SetSkills does.
	if _, err := db.Exec(ctx, `create temporary table seed_skills (actor_id bigint, label text)`); err != nil {
		return nil, err
	}
	if err := copyRows("seed_skills", []string{"actor_id", "label"}, skillRows); err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, `insert into skills (actor_id, label, folded) select actor_id, label, archipel_fold(label)
		from seed_skills on conflict do nothing; drop table seed_skills`); err != nil {
		return nil, err
	}
	out.rows["skills"] = int64(len(skillRows))
	logf("seed: %d people (%d local), %d groups, %d skills (%s)", size.actors, locals, size.groups, len(skillRows), time.Since(start).Round(time.Millisecond))

	// The measured readers are the first local people; the graph around
	// them is set by hand.
	const denseIdx, sparseIdx, freshIdx, notifiedIdx = 0, 1, 2, 3

	// Groups: mostly public; memberships follow a power law (a few large
	// groups, many small ones).
	var groupRows, memberRows [][]any
	members := make([][]int, size.groups) // person indexes, per group
	for g := range size.groups {
		vis := "public"
		switch x := r.IntN(20); {
		case x == 0:
			vis = "secret"
		case x < 4:
			vis = "private"
		}
		groupRows = append(groupRows, []any{group(g), vis, "open", now})
		n := max(3, int(float64(size.actors)*0.3/float64(1+g)))
		seen := map[int]bool{}
		for range n {
			p := r.IntN(size.actors)
			if seen[p] || p == sparseIdx || p == freshIdx {
				continue
			}
			seen[p] = true
			role := "member"
			if len(members[g]) == 0 {
				role = "owner"
			}
			members[g] = append(members[g], p)
			memberRows = append(memberRows, []any{group(g), person(p), role, "accepted"})
		}
	}
	if err := copyRows("groups", []string{"actor_id", "visibility", "join_policy", "created_at"}, groupRows); err != nil {
		return nil, err
	}

	// The follow graph: how many people one follows and how many follow one
	// are both power laws (authors drawn by Zipf over a shuffled order).
	authorOrder := r.Perm(size.actors)
	authorZ := newZipf(r, 1.1, size.actors)
	// The sparse and new readers write nothing: what they see at home is
	// only what they follow.
	drawAuthor := func() int {
		for {
			if a := authorOrder[authorZ.next()]; a != sparseIdx && a != freshIdx {
				return a
			}
		}
	}
	followsZ := newZipf(r, 1.3, 500)
	var followRows [][]any
	following := make([]map[int]bool, size.actors)
	for p := range size.actors {
		following[p] = map[int]bool{}
		var n int
		switch p {
		case denseIdx:
			n = 50
		case sparseIdx, freshIdx:
			continue
		default:
			n = followsZ.next()
		}
		for range n {
			f := drawAuthor()
			if f == p || f == freshIdx || following[p][f] {
				continue
			}
			following[p][f] = true
			followRows = append(followRows, []any{person(p), person(f), "accepted", now})
		}
	}
	// The sparse reader follows one person of ordinary output.
	sparseFollowee := authorOrder[size.actors/3]
	followRows = append(followRows, []any{person(sparseIdx), person(sparseFollowee), "accepted", now})
	if err := copyRows("follows", []string{"follower_id", "followee_id", "state", "created_at"}, followRows); err != nil {
		return nil, err
	}
	// The dense reader is in five groups (on top of any drawn above).
	for g := 10; g < 15; g++ {
		if !contains(members[g], denseIdx) {
			members[g] = append(members[g], denseIdx)
			memberRows = append(memberRows, []any{group(g), person(denseIdx), "member", "accepted"})
		}
	}
	if err := copyRows("memberships", []string{"group_id", "member_id", "role", "state"}, memberRows); err != nil {
		return nil, err
	}
	logf("seed: %d memberships, %d follows (%s)", len(memberRows), len(followRows), time.Since(start).Round(time.Millisecond))

	// Posts and replies, oldest first, in batches (the memory of one batch
	// only). A third are in groups, by an author of the group.
	var objBase int64
	if err := db.QueryRow(ctx, `select coalesce(max(id), 0) + 1000 from objects`).Scan(&objBase); err != nil {
		return nil, err
	}
	groupZ := newZipf(r, 1.05, size.groups)
	wordZ := newZipf(r, 1.01, len(frenchWords))
	sentence := func(words int) string {
		var sb strings.Builder
		for w := range words {
			if w > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(frenchWords[wordZ.next()])
		}
		return sb.String()
	}
	objCols := []string{"id", "uri", "type", "local", "attributed_to", "in_reply_to", "group_id", "visibility",
		"content", "url", "published", "language", "name", "summary"}
	uriOf := func(id int64, author int) string {
		if author < locals {
			return links.Note(localName(author), id)
		}
		return fmt.Sprintf("https://noeud%03d.example/notes/%d", author%size.remoteHosts, id)
	}
	total := size.posts + size.documents
	first := now.Add(-time.Duration(total) * 10 * time.Second)
	groupPosts := make([]int, size.groups)
	postAuthor := make([]int32, 0, size.posts)
	postIDs := make([]int64, 0, size.posts)
	var mentionRows [][]any
	var notifRows [][]any
	docIDs := make([]int64, 0, size.documents)
	var docNames []string
	docEvery := 0
	if size.documents > 0 {
		docEvery = max(1, total/size.documents)
	}
	batch := make([][]any, 0, 20000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := copyRows("objects", objCols, batch)
		batch = batch[:0]
		return err
	}
	posts := 0
	for i := range total {
		id := objBase + int64(i)
		published := first.Add(time.Duration(i) * 10 * time.Second)
		if docEvery > 0 && i%docEvery == docEvery-1 && len(docIDs) < size.documents {
			// A document's metadata (its bytes are not needed to list or search it).
			g := groupZ.next()
			author := members[g][r.IntN(len(members[g]))]
			// No content: its name and summary are searched.
			name := strings.ReplaceAll(sentence(2+r.IntN(3)), " ", "-") + ".pdf"
			batch = append(batch, []any{id, uriOf(id, author), "Document", author < locals, person(author), "", group(g), "group",
				"", uriOf(id, author), published, "fr", name, sentence(10 + r.IntN(20))})
			docIDs = append(docIDs, id)
			docNames = append(docNames, name)
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			continue
		}
		if posts == size.posts {
			continue
		}
		posts++
		author := drawAuthor()
		var gid any
		vis := "public"
		if r.IntN(3) == 0 {
			g := groupZ.next()
			gid = group(g)
			author = members[g][r.IntN(len(members[g]))]
			vis = "group"
			groupPosts[g]++
		} else if x := r.IntN(10); x == 0 {
			vis = "unlisted"
		} else if x == 1 {
			vis = "private"
		}
		reply := ""
		if len(postAuthor) > 100 && r.IntN(10) < 3 {
			// A reply to one of the recent posts.
			back := int64(1 + r.IntN(min(len(postAuthor)-1, 5000)))
			reply = uriOf(id-back, 0) // the parent's URI need not resolve for a timeline
		}
		postAuthor = append(postAuthor, int32(author))
		postIDs = append(postIDs, id)
		content := "<p>" + sentence(8+r.IntN(30)) + "</p>"
		if r.IntN(20) == 0 {
			m := r.IntN(locals)
			mentionRows = append(mentionRows, []any{id, person(m)})
			if m != author {
				notifRows = append(notifRows, []any{person(m), "mention", person(author), id, "mention:" + strconv.FormatInt(id, 10), published})
			}
		}
		batch = append(batch, []any{id, uriOf(id, author), "Note", author < locals, person(author), reply, gid, vis,
			content, uriOf(id, author), published, "fr", "", ""})
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return nil, err
			}
			if i%200000 < 20000 {
				logf("seed: %d objects (%s)", i+1, time.Since(start).Round(time.Millisecond))
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	for _, ix := range objIndexes {
		if _, err := db.Exec(ctx, ix.Def); err != nil {
			return nil, fmt.Errorf("rebuild index %s: %w", ix.Name, err)
		}
	}
	logf("seed: indexes of objects rebuilt (%s)", time.Since(start).Round(time.Millisecond))
	// Document rows, one version each.
	var docRows, versionRows [][]any
	for k, id := range docIDs {
		docRows = append(docRows, []any{id, "", 1})
		sum := make([]byte, 32)
		_, _ = rand.Read(sum)
		versionRows = append(versionRows, []any{id, 1, hex.EncodeToString(sum), int64(10000 + r.IntN(5000000)), "application/pdf", docNames[k], true})
	}
	if err := copyRows("documents", []string{"object_id", "folder", "current_version"}, docRows); err != nil {
		return nil, err
	}
	if err := copyRows("document_versions", []string{"object_id", "version", "sha256", "size", "media_type", "file_name", "stored"}, versionRows); err != nil {
		return nil, err
	}
	if err := copyRows("mentions", []string{"object_id", "actor_id"}, mentionRows); err != nil {
		return nil, err
	}
	logf("seed: %d posts, %d documents (%s)", posts, len(docIDs), time.Since(start).Round(time.Millisecond))

	// Likes of recent-ish posts, drawn by Zipf (some posts get many); a
	// local author gets a notification for each.
	var likeRows [][]any
	liked := map[[2]int64]bool{}
	likeZ := newZipf(r, 1.05, len(postAuthor))
	// Part of the likes go to the notified reader's posts.
	var notifiedPosts []int
	for k, a := range postAuthor {
		if int(a) == notifiedIdx {
			notifiedPosts = append(notifiedPosts, k)
		}
	}
	for len(likeRows) < size.likes {
		k := len(postAuthor) - 1 - likeZ.next()
		if len(notifiedPosts) > 0 && r.IntN(20) == 0 {
			k = notifiedPosts[r.IntN(len(notifiedPosts))]
		}
		post := postIDs[k]
		liker := person(r.IntN(size.actors))
		key := [2]int64{liker, post}
		if liked[key] {
			continue
		}
		liked[key] = true
		likeRows = append(likeRows, []any{liker, post, now})
		if a := int(postAuthor[k]); a < locals && person(a) != liker {
			notifRows = append(notifRows, []any{person(a), "favourite", liker, post,
				"favourite:" + strconv.FormatInt(liker, 10) + ":" + strconv.FormatInt(post, 10), now})
		}
	}
	if err := copyRows("likes", []string{"actor_id", "object_id", "created_at"}, likeRows); err != nil {
		return nil, err
	}
	if err := copyRows("notifications", []string{"recipient_id", "type", "from_id", "object_id", "dedup_key", "created_at"}, notifRows); err != nil {
		return nil, err
	}
	// Move the sequences past the ids chosen here.
	for _, t := range []string{"actors", "accounts", "objects", "units", "notifications"} {
		if _, err := db.Exec(ctx, fmt.Sprintf(`select setval(pg_get_serial_sequence('%s', 'id'), (select max(id) from %s))`, t, t)); err != nil {
			return nil, err
		}
	}
	// The rows went in without triggers: the counters are counted once.
	if _, err := db.Exec(ctx, `select archipel_recount_actor_stats()`); err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, `vacuum analyze`); err != nil { // what autovacuum would have done (it also merges the GIN pending lists)
		return nil, err
	}

	// Tokens for the readers.
	mk := func(idx int) (reader, error) {
		tok := make([]byte, 32)
		_, _ = rand.Read(tok)
		t := base64.RawURLEncoding.EncodeToString(tok)
		if err := b.Store.CreateToken(ctx, person(idx), oauth.Hash(t), "bench"); err != nil {
			return reader{}, err
		}
		rd := reader{actorID: person(idx), token: t, follows: len(following[idx])}
		for g := range members {
			if contains(members[g], idx) {
				rd.groups++
			}
		}
		return rd, nil
	}
	for _, x := range []struct {
		r   *reader
		idx int
	}{{&out.dense, denseIdx}, {&out.sparse, sparseIdx}, {&out.fresh, freshIdx}, {&out.notified, notifiedIdx}} {
		if *x.r, err = mk(x.idx); err != nil {
			return nil, err
		}
	}
	if out.sparse.follows == 0 {
		out.sparse.follows = 1
	}
	bg := 0
	for g := range groupPosts {
		if groupPosts[g] > groupPosts[bg] && groupRows[g][1] == "public" {
			bg = g
		}
	}
	out.bigGroup, out.bigGroupName = group(bg), groupName(bg)
	out.profileName = localName(notifiedIdx)
	out.nameQuery = familyNames[7]
	out.seedTime = time.Since(start)
	logf("seed: done in %s", out.seedTime.Round(time.Millisecond))
	return out, nil
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
