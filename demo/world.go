package demo

// The demo world: French names, administrations and skills, fixed so that
// every run with the same seed builds the same federation.

var firstNames = []string{"Alice", "Bruno", "Chloé", "David", "Émilie", "François", "Gaëlle", "Hugo", "Inès", "Julien",
	"Karima", "Louis", "Manon", "Nicolas", "Océane", "Pierre", "Quentin", "Rachida", "Sophie", "Thomas", "Ursula",
	"Valentin", "Wassila", "Xavier", "Yasmine", "Zoé", "Antoine", "Bérénice", "Cédric", "Delphine", "Étienne", "Fatou",
	"Guillaume", "Hélène", "Isabelle", "Jérôme", "Laure", "Mathieu", "Nadia", "Olivier", "Pauline", "Romain", "Sandrine",
	"Théo", "Victoire", "Yann", "Amandine", "Benoît", "Camille", "Denis"}

var lastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
	"Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
	"Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
	"Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
	"Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin"}

var skills = []string{"marchés publics", "urbanisme", "politique de la ville", "cybersécurité", "gestion de crise",
	"finances publiques", "ressources humaines", "droit administratif", "transition écologique", "logement",
	"accueil des publics", "numérique", "données", "communication", "aménagement du territoire", "santé publique",
	"éducation", "mobilités", "agriculture", "emploi et insertion", "sécurité routière", "contrôle de gestion",
	"commande publique", "archives", "conduite du changement", "énergie", "eau et assainissement", "patrimoine",
	"jeunesse", "sport"}

var jobTitles = []string{"Chargé de mission", "Cheffe de bureau", "Adjoint au chef de service", "Directrice de projet",
	"Gestionnaire", "Responsable de pôle", "Ingénieur", "Juriste", "Conseillère", "Architecte SI", "Secrétaire générale",
	"Délégué territorial", "Inspectrice", "Analyste", "Coordinateur"}

// nodeSpec describes one node of the demo federation.
type nodeSpec struct {
	Key          string // short name, used for the database and the ports
	Name         string
	Domain       string // e-mail domain of its agents
	Tier         string
	Partner      bool
	Region       string
	Departments  []string
	Services     []string
	Organisation string
}

var nodeSpecs = []nodeSpec{
	{Key: "nouvelle_aquitaine", Name: "Préfecture de région Nouvelle-Aquitaine", Domain: "nouvelle-aquitaine.gouv.fr", Tier: "state",
		Region: "Nouvelle-Aquitaine", Departments: []string{"Gironde", "Landes", "Dordogne"},
		Services: []string{"DDTM", "SGAR", "DREETS"}, Organisation: "Préfecture de la Gironde"},
	{Key: "grand_est", Name: "Préfecture de région Grand Est", Domain: "grand-est.gouv.fr", Tier: "state",
		Region: "Grand Est", Departments: []string{"Moselle", "Bas-Rhin", "Marne"},
		Services: []string{"DREAL", "DDETS", "SGAR"}, Organisation: "Préfecture de la Moselle"},
	{Key: "ile_de_france", Name: "Préfecture de région Île-de-France", Domain: "ile-de-france.gouv.fr", Tier: "state",
		Region: "Île-de-France", Departments: []string{"Paris", "Seine-Saint-Denis", "Essonne"},
		Services: []string{"DRIEAT", "DRIHL", "SGAR"}, Organisation: "Préfecture de Paris"},
	{Key: "asso_territoires", Name: "Association Territoires Solidaires", Domain: "territoires-solidaires.org", Tier: "partner",
		Partner: true, Region: "Siège", Departments: []string{"Antennes"}, Services: []string{"Projets"},
		Organisation: "Territoires Solidaires"},
}

// groupSpec is a group of the demo: on which node, and who may join.
type groupSpec struct {
	Node        int
	Name        string
	Description string
	Visibility  string
	JoinPolicy  string
	StateOnly   bool
	// Members come from these nodes (indexes into nodeSpecs).
	From []int
}

var groupSpecs = []groupSpec{
	{0, "Réseau urbanisme", "Les urbanistes des services de l'État échangent pratiques et documents.", "public", "open", false, []int{0, 1, 2}},
	{1, "Marchés publics", "Procédures, modèles de pièces et jurisprudence de la commande publique.", "public", "open", false, []int{0, 1, 2, 3}},
	{2, "Politique de la ville", "Quartiers prioritaires, contrats de ville et évaluation.", "public", "approval", false, []int{0, 1, 2, 3}},
	{0, "Cybersécurité des préfectures", "Alertes, exercices et bonnes pratiques de sécurité des systèmes d'information.", "private", "approval", true, []int{0, 1, 2}},
	{1, "Gestion de crise", "Retours d'expérience et préparation des cellules de crise.", "private", "open", true, []int{0, 1, 2}},
	{2, "Logement d'abord", "Mise en œuvre du plan Logement d'abord avec les associations.", "public", "open", false, []int{2, 3}},
	{3, "Territoires solidaires et État", "Projets communs entre l'association et les services de l'État.", "public", "open", false, []int{0, 1, 2, 3}},
	{0, "Transition écologique", "Plans climat, sobriété et rénovation énergétique.", "public", "open", false, []int{0, 1, 2}},
	{1, "Données et numérique", "Ouverture des données, outils numériques et accessibilité.", "public", "open", false, []int{0, 1, 2, 3}},
	{2, "Ressources humaines", "Recrutement, formation et mobilité des agents.", "private", "approval", false, []int{0, 1, 2}},
	{0, "Comité de direction régional", "Espace du comité de direction.", "secret", "invite", true, []int{0}},
	{3, "Jeunesse et emploi", "Insertion des jeunes, service civique et apprentissage.", "public", "approval", false, []int{1, 3}},
}

var postTexts = []string{
	"Bonjour à toutes et à tous, ravi de rejoindre ce réseau !",
	"Quelqu'un a-t-il un modèle de cahier des charges pour une AMO ?",
	"Compte rendu de la réunion de mardi en pièce jointe du groupe.",
	"Rappel : webinaire jeudi à 14h sur le nouveau guide.",
	"Nous cherchons un retour d'expérience sur la dématérialisation des procédures.",
	"Merci pour ce partage, très utile pour notre service.",
	"Je vous propose un atelier commun le mois prochain.",
	"La nouvelle circulaire est parue ce matin, synthèse à venir.",
}

var documentSpecs = []struct{ Name, Description, Folder string }{
	{"guide-procedures.txt", "Guide des procédures de passation des marchés publics", "Guides"},
	{"compte-rendu-reunion.txt", "Compte rendu de la réunion du réseau", "Réunions"},
	{"modele-convention.txt", "Modèle de convention de partenariat avec une association", "Modèles"},
}
