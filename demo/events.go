package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/archipel-social/archipel/calendar"
)

// eventSpecs are the demo's events: a meeting that gathers agents of
// several nodes, an online training with few places, and a weekly team
// meeting. Days count from the seeding day, at Paris times.
var eventSpecs = []struct {
	Group                  int // index in groupSpecs
	Title, Description     string
	InDays, Hour, Minutes  int
	Length                 time.Duration
	Location, Online, Rule string
	Capacity               int
}{
	{1, "Réunion inter-services : commande publique", "Tour de table des préfectures de région et point sur les nouveaux seuils.",
		10, 10, 0, 2 * time.Hour, "Préfecture de région, 12 rue Esprit des Lois, Bordeaux", "", "", 0},
	{8, "Formation en ligne : publier des données ouvertes", "Une heure trente pour publier un premier jeu de données sur data.gouv.fr.",
		17, 14, 0, 90 * time.Minute, "", "https://visio.example.gouv.fr/formation-donnees", "", 20},
	{0, "Réunion d'équipe hebdomadaire", "Point d'avancement des dossiers d'urbanisme.",
		3, 9, 30, time.Hour, "Salle 204", "", "FREQ=WEEKLY;COUNT=12", 0},
}

// seedEvents creates the events on their groups' nodes and has members of
// every node take part from their own node.
func (f *Federation) seedEvents(ctx context.Context, s *seeded) error {
	paris, err := calendar.Zone(calendar.DefaultZone)
	if err != nil {
		return err
	}
	today := time.Now().In(paris)
	for _, spec := range eventSpecs {
		g := s.groups[spec.Group]
		home := f.Nodes[groupSpecs[spec.Group].Node]
		owner, err := home.Store.AccountByID(ctx, *g.CreatedBy)
		if err != nil {
			return err
		}
		start := time.Date(today.Year(), today.Month(), today.Day()+spec.InDays, spec.Hour, spec.Minutes, 0, 0, paris)
		str := func(v string) *string { return &v }
		in := calendar.Input{Title: str(spec.Title), Description: str(spec.Description), StartTime: str(start.Format(time.RFC3339)),
			EndTime: str(start.Add(spec.Length).Format(time.RFC3339)), Timezone: str(calendar.DefaultZone), Location: str(spec.Location),
			OnlineURL: str(spec.Online), Capacity: &spec.Capacity, RRule: str(spec.Rule)}
		e, err := home.Outbox.CreateEvent(ctx, owner, g.ID, in)
		if err != nil {
			return fmt.Errorf("event %s: %w", spec.Title, err)
		}
		if err := f.settle(ctx); err != nil {
			return err
		}
		for i, m := range f.localMembers(ctx, g, s) {
			if i%3 == 2 {
				continue // not everyone comes
			}
			local, err := m.node.Store.EventByURI(ctx, e.URI)
			if err != nil {
				continue // not arrived on that node
			}
			if _, err := m.node.Outbox.JoinEvent(ctx, m.actor, local); err != nil {
				return fmt.Errorf("%s takes part in %s: %w", m.actor.Handle(), spec.Title, err)
			}
		}
	}
	return f.settle(ctx)
}
