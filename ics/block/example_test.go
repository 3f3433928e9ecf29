package block_test

import (
	"fmt"

	"github.com/mms-project/mms/ics/block"
)

// Find the block of a description and splice a new one in its place.
func Example() {
	description := "Agenda: 漢字 🙂\n\n" + block.RenderText(block.Spec{
		Provider:     block.ProviderSkype,
		JoinURL:      "https://meet.lync.com/contoso/anna/AB12CD34",
		ConferenceID: "4334578",
		Lang:         "sv-SE",
	}) + "\nVälkomna!\n"

	old, ok := block.FindText(description)
	fmt.Println(ok, old.Provider, old.SkypeUser, old.MeetingID, old.ConferenceID, old.LCID, old.Lang)

	teams := block.RenderText(block.Spec{
		Provider: block.ProviderTeams,
		JoinURL:  "https://teams.microsoft.com/meet/2345678901?p=abc",
		Lang:     old.Lang,
	})
	fmt.Print(description[:old.Start] + teams + description[old.End:])
	// Output:
	// true skype anna AB12CD34 4334578 1053 sv-SE
	// Agenda: 漢字 🙂
	//
	// ________________________________________________________________________________
	// Microsoft Teams-möte
	// Anslut på datorn, i mobilappen eller på en rumsenhet
	// Klicka här för att ansluta till mötet <https://teams.microsoft.com/meet/2345678901?p=abc>
	// Läs mer <https://aka.ms/JoinTeamsMeeting?omkt=sv-SE>
	// ________________________________________________________________________________
	//
	// Välkomna!
}
