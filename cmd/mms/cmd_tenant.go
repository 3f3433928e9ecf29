package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/batch/trigger"
)

func tenantCommand(out, errOut io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "tenant",
		Usage: "show or change the tenant's meeting-migration settings",
		Action: func(_ context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() { // "mms tenant get": not "No help topic for 'get'"
				return unknownSubcommand(cmd, cmd.Args().First())
			}
			return cli.ShowSubcommandHelp(cmd)
		},
		Commands: []*cli.Command{
			{
				Name:  "show",
				Usage: "print the settings",
				UsageText: "mms tenant show [--db FILE|URL]\n\n" +
					"Where the SQLite file --db names is not there yet, shows the defaults a new store starts with,\n" +
					"says so on stderr (a mistyped --db?) and creates nothing: mms tenant set, mms run and mms start create it.",
				Flags: []cli.Flag{dbFlag()},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					t := trigger.DefaultTenant()
					err := batch.StoreExists(cmd.String("db"))
					switch {
					case err != nil && !errors.Is(err, fs.ErrNotExist):
						return err // there, but not to be read: not the defaults
					case err != nil:
						fmt.Fprintf(errOut, "mms: no state store at %s yet: these are the defaults it starts with (mms tenant set, mms run and mms start create it; is --db right?)\n", cmd.String("db"))
					default:
						st, err := batch.OpenStore(ctx, cmd.String("db"))
						if err != nil {
							return err
						}
						defer st.Close()
						if t, err = st.Tenant(ctx); err != nil {
							return err
						}
					}
					fmt.Fprintf(out, "meeting_migration_enabled: %v\nautomatically_migrate_user_meetings: %v\nautomatically_replace_acp_provider: %v\n",
						t.MeetingMigrationEnabled, t.AutomaticallyMigrateUserMeetings, t.AutomaticallyReplaceACPProvider)
					return nil
				},
			},
			{
				Name:  "set",
				Usage: "change one setting",
				UsageText: "mms tenant set NAME true|false   (names: meeting_migration_enabled, automatically_migrate_user_meetings, automatically_replace_acp_provider)\n\n" +
					"Creates the state store (--db) when it is not there yet, so settings can be made before the first run.",
				Flags: []cli.Flag{dbFlag()},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.NArg() != 2 {
						return fmt.Errorf("usage: mms tenant set NAME true|false")
					}
					stored, err := store.ParseTenant(cmd.Args().Get(0), cmd.Args().Get(1)) // before the store is made
					if err != nil {
						return err
					}
					st, err := batch.OpenStore(ctx, cmd.String("db"))
					if err != nil {
						return err
					}
					defer st.Close()
					if err := st.SetTenant(ctx, cmd.Args().Get(0), cmd.Args().Get(1)); err != nil {
						return err
					}
					fmt.Fprintf(out, "%s: %v\n", cmd.Args().Get(0), stored)
					return nil
				},
			},
			helpCommand(),
		},
	}
}
