package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// sharedUIDs fails the documents that hold a meeting's UID another
// document of the same calendar holds too: two objects of one CalDAV
// collection (RFC 4791 4.1 wants a UID unique in a collection). A UID
// names one meeting everywhere mms keeps track (the journal, the update's
// file name, its SEQUENCE), and which copy is current cannot be told, so
// every copy fails, naming the others, and none is rewritten or sent.
func sharedUIDs(docs []*Doc) {
	if len(docs) < 2 { // a file: its components of one UID are one meeting
		return
	}
	holders := map[string][]*Doc{}
	for _, d := range docs {
		if d.Err != nil || d.Cal == nil {
			continue
		}
		for _, m := range d.Cal.Meetings() {
			if m.UID != "" && !slices.ContainsFunc(holders[m.UID], func(o *Doc) bool { return o == d || o.Name == d.Name }) {
				holders[m.UID] = append(holders[m.UID], d) // one object listed twice is one holder
			}
		}
	}
	uids := slices.Sorted(maps.Keys(holders)) // the same inputs, the same error for a document of two shared UIDs
	for _, uid := range uids {
		ds := holders[uid]
		if len(ds) < 2 {
			continue
		}
		for _, d := range ds {
			if d.Err != nil {
				continue // failed already, for another UID
			}
			var others []string
			for _, o := range ds {
				if o != d {
					others = append(others, o.Name)
				}
			}
			d.Err = sharedUIDError{uid: uid, doc: d.Name, others: others}
			d.Cal = nil
		}
	}
}

// sharedUIDError is a document whose meeting's UID another document holds.
type sharedUIDError struct {
	uid, doc string
	others   []string
}

func (e sharedUIDError) Error() string {
	return fmt.Sprintf("%s: UID %s also at %s: one meeting in two places, and which is current cannot be told, "+
		"so neither is rewritten and no update is sent; remove the stale copy and run the batch again",
		e.doc, e.uid, strings.Join(e.others, ", "))
}
