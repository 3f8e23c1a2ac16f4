package manila

import "testing"

func TestTaskStateHelpers(t *testing.T) {
	type flags struct{ inProgress, phase1, terminal, failed, resettable bool }
	cases := map[TaskState]flags{
		"":                                 {},
		TaskStateMigrationStarting:         {inProgress: true, resettable: true},
		TaskStateMigrationInProgress:       {inProgress: true, resettable: true},
		TaskStateMigrationDriverStarting:   {inProgress: true},
		TaskStateMigrationDriverInProgress: {inProgress: true, resettable: true},
		TaskStateMigrationDriverPhase1Done: {phase1: true, resettable: true},
		TaskStateMigrationCompleting:       {inProgress: true, resettable: true},
		TaskStateMigrationSuccess:          {terminal: true, resettable: true},
		TaskStateMigrationCancelInProgress: {inProgress: true, resettable: true},
		TaskStateMigrationCancelled:        {terminal: true, resettable: true},
		TaskStateMigrationError:            {terminal: true, failed: true, resettable: true},
		TaskStateDataCopyingStarting:       {inProgress: true},
		TaskStateDataCopyingInProgress:     {inProgress: true},
		TaskStateDataCopyingCompleting:     {inProgress: true},
		TaskStateDataCopyingCompleted:      {phase1: true},
		TaskStateDataCopyingCancelled:      {},
		TaskStateDataCopyingError:          {failed: true},
		"migration_phase_1_done":           {}, // the api-ref's wrong word is not a state
		"something_new":                    {},
	}
	for s, want := range cases {
		got := flags{s.InProgress(), s.PhaseOneDone(), s.Terminal(), s.Failed(), s.Resettable()}
		if got != want {
			t.Errorf("%q: got %+v, want %+v", s, got, want)
		}
		if s.String() != string(s) {
			t.Errorf("String() = %q", s.String())
		}
	}
}

func TestTaskStateWireValues(t *testing.T) {
	want := map[TaskState]string{
		TaskStateMigrationStarting:         "migration_starting",
		TaskStateMigrationInProgress:       "migration_in_progress",
		TaskStateMigrationDriverStarting:   "migration_driver_starting",
		TaskStateMigrationDriverInProgress: "migration_driver_in_progress",
		TaskStateMigrationDriverPhase1Done: "migration_driver_phase1_done",
		TaskStateMigrationCompleting:       "migration_completing",
		TaskStateMigrationSuccess:          "migration_success",
		TaskStateMigrationCancelInProgress: "migration_cancel_in_progress",
		TaskStateMigrationCancelled:        "migration_cancelled",
		TaskStateMigrationError:            "migration_error",
	}
	for s, w := range want {
		if string(s) != w {
			t.Errorf("%q != %q", s, w)
		}
	}
}
