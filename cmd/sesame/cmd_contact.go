package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// `sesame person contact`: the e-mail addresses and phone numbers people
// log in with, mapped to their person id.

func init() {
	register(&command{name: "person contact", summary: "set, list or remove the e-mail addresses and phone numbers a person logs in with", run: runContact})
}

func runContact(ctx context.Context, args []string) error {
	fs := newFlags("person contact", "[--db PATH|URL] [--remove] PERSON [EMAIL|PHONE …]")
	dsn := dbFlag(fs)
	remove := fs.Bool("remove", false, "forget the given e-mail addresses and phone numbers instead of setting them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usageError(fs, "give the PERSON id, then the e-mail addresses or phone numbers (+country code) to set; none lists them")
	}
	person := fs.Arg(0)
	if !sesame.ValidID(person) {
		return usageError(fs, fmt.Sprintf("person id %q is not a valid id", person))
	}
	var cs []auth.Contact
	for _, a := range fs.Args()[1:] {
		id, kind, ok := auth.NormalizeContact(a)
		if !ok {
			return usageError(fs, fmt.Sprintf("%q is neither an e-mail address nor a phone number starting with + and its country code", a))
		}
		cs = append(cs, auth.Contact{Identifier: id, Kind: kind, Person: person, CreatedAt: time.Now().UTC()})
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	for _, c := range cs {
		if *remove {
			if owner, err := ts.Contacts.ContactPerson(ctx, c.Identifier); err != nil || owner != person {
				return fmt.Errorf("%s is not a contact of %s", c.Identifier, person)
			}
			err = ts.Contacts.RemoveContact(ctx, c.Identifier)
		} else {
			err = ts.Contacts.SetContact(ctx, c)
		}
		if err != nil {
			return err
		}
	}
	list, err := ts.Contacts.Contacts(ctx, person)
	if err != nil {
		return err
	}
	for _, c := range list {
		fmt.Printf("%s\t%s\n", c.Kind, c.Identifier)
	}
	return nil
}

// demoEmail and demoPhone are what simulated person i logs in with in the demo.
func demoEmail(i int) string { return simulate.PersonID(i) + "@demo.example" }
func demoPhone(i int) string { return fmt.Sprintf("+86100%08d", i) }

// addDemoContacts gives each of the demo's people an e-mail address and a
// phone number, so that the demo's login form works as a real one does.
func addDemoContacts(ctx context.Context, db string, people int) error {
	d, err := sqlite.Open(ctx, db)
	if err != nil {
		return err
	}
	defer d.Close()
	now := time.Now().UTC()
	cs := make([]auth.Contact, 0, 2*people)
	for i := 1; i <= people; i++ {
		p := simulate.PersonID(i)
		cs = append(cs, auth.Contact{Identifier: demoEmail(i), Kind: auth.ContactEmail, Person: p, CreatedAt: now},
			auth.Contact{Identifier: demoPhone(i), Kind: auth.ContactPhone, Person: p, CreatedAt: now})
	}
	return d.Sessions().SetContacts(ctx, cs)
}
