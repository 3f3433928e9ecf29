package caldav_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/caldav"
)

// The worker's loop: fetch, edit, write back with If-Match, and when
// someone changed the meeting meanwhile, re-read it and decide again
// instead of overwriting their edit.
func Example_fetchEditPut() {
	root, creds, stop := caldav.StartExampleServer() // in real use: caldav.LoadCredentials(os.Getenv)
	defer stop()
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

	c, err := caldav.New(caldav.Options{Credentials: creds})
	if err != nil {
		fmt.Println(err)
		return
	}
	collection, err := c.Resolve(ctx, root) // server root -> the user's default calendar
	if err != nil {
		fmt.Println(err) // errors.Is(err, caldav.ErrAuth): fail this user, not the batch
		return
	}
	objs, bad, err := c.Fetch(ctx, collection, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range bad {
		fmt.Println("meeting failed:", b) // one broken object costs only itself
	}
	for _, obj := range objs {
		for attempt := 1; ; attempt++ {
			// Decide and rewrite from the bytes just read (package ics does this).
			edited := bytes.Replace(obj.Data, []byte("LOCATION:Skype Meeting"), []byte("LOCATION:Microsoft Teams Meeting"), 1)
			_, err := c.Put(ctx, obj.Href, edited, obj.ETag)
			if errors.Is(err, caldav.ErrChanged) && attempt < 3 {
				fmt.Println("changed on the server meanwhile; reading it again")
				if obj, err = c.Get(ctx, obj.Href); err != nil {
					fmt.Println(err)
					break
				}
				continue
			}
			if err != nil {
				fmt.Println("meeting failed:", err)
				break
			}
			fmt.Println("stored after", attempt, "attempts")
			break
		}
		final, _ := c.Get(ctx, obj.Href)
		for _, line := range strings.Split(string(final.Data), "\r\n") {
			if strings.HasPrefix(line, "SUMMARY") || strings.HasPrefix(line, "LOCATION") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// changed on the server meanwhile; reading it again
	// stored after 2 attempts
	// LOCATION:Microsoft Teams Meeting
	// SUMMARY:Stand-up (moved to 9:30 by Bob)
}
