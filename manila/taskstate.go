package manila

// TaskState is the task state of a share server (or share) under
// migration, as the service writes it. The zero value "" is what the
// service reports before a migration has a destination.
//
// A share-server migration moves through these states:
//
//	migration_starting -> migration_in_progress -> migration_driver_starting
//	  -> migration_driver_in_progress -> migration_driver_phase1_done
//	complete (only at phase1_done):
//	  -> migration_completing -> migration_success
//	cancel (only at driver_in_progress or phase1_done):
//	  -> migration_cancel_in_progress -> migration_cancelled
//	any failure:
//	  -> migration_error
//
// The service may add states; a TaskState this package does not know is
// still a valid value, and the helpers report false for it.
type TaskState string

// Share-server (and share) migration task states.
const (
	// TaskStateMigrationStarting: the service accepted the migration and
	// is preparing it.
	TaskStateMigrationStarting TaskState = "migration_starting"
	// TaskStateMigrationInProgress: the migration has begun.
	TaskStateMigrationInProgress TaskState = "migration_in_progress"
	// TaskStateMigrationDriverStarting: the destination driver is being
	// asked to take over the data copy.
	TaskStateMigrationDriverStarting TaskState = "migration_driver_starting"
	// TaskStateMigrationDriverInProgress: phase 1, the data copy, is
	// running. The migration can be cancelled.
	TaskStateMigrationDriverInProgress TaskState = "migration_driver_in_progress"
	// TaskStateMigrationDriverPhase1Done: phase 1 is over. The migration
	// waits for CompleteMigration (or CancelMigration).
	TaskStateMigrationDriverPhase1Done TaskState = "migration_driver_phase1_done"
	// TaskStateMigrationCompleting: phase 2, the switch-over, is running.
	TaskStateMigrationCompleting TaskState = "migration_completing"
	// TaskStateMigrationSuccess: the migration finished; the destination
	// share server serves the shares.
	TaskStateMigrationSuccess TaskState = "migration_success"
	// TaskStateMigrationCancelInProgress: the migration is being cancelled.
	TaskStateMigrationCancelInProgress TaskState = "migration_cancel_in_progress"
	// TaskStateMigrationCancelled: the migration was cancelled; the source
	// share server is active again.
	TaskStateMigrationCancelled TaskState = "migration_cancelled"
	// TaskStateMigrationError: the migration failed.
	TaskStateMigrationError TaskState = "migration_error"
)

// Task states of the host-assisted data copy of a per-share migration
// (StartShareMigration with ForceHostAssistedMigration, or a driver that
// cannot migrate by itself). Share servers never report them.
const (
	// TaskStateDataCopyingStarting: the data service is preparing the copy.
	TaskStateDataCopyingStarting TaskState = "data_copying_starting"
	// TaskStateDataCopyingInProgress: the data service is copying.
	TaskStateDataCopyingInProgress TaskState = "data_copying_in_progress"
	// TaskStateDataCopyingCompleting: the data service is finishing.
	TaskStateDataCopyingCompleting TaskState = "data_copying_completing"
	// TaskStateDataCopyingCompleted: the copy is over; the share migration
	// waits for completion, like migration_driver_phase1_done.
	TaskStateDataCopyingCompleted TaskState = "data_copying_completed"
	// TaskStateDataCopyingCancelled: the copy was cancelled.
	TaskStateDataCopyingCancelled TaskState = "data_copying_cancelled"
	// TaskStateDataCopyingError: the copy failed.
	TaskStateDataCopyingError TaskState = "data_copying_error"
)

// String returns the state as the service writes it.
func (s TaskState) String() string { return string(s) }

// InProgress reports whether a migration is under way and moving on by
// itself: starting, in progress, the driver or data copy working,
// completing or being cancelled. It is false for the pause at the end of
// phase 1 (see PhaseOneDone), for the final states and for "".
func (s TaskState) InProgress() bool {
	switch s {
	case TaskStateMigrationStarting, TaskStateMigrationInProgress,
		TaskStateMigrationDriverStarting, TaskStateMigrationDriverInProgress,
		TaskStateMigrationCompleting, TaskStateMigrationCancelInProgress,
		TaskStateDataCopyingStarting, TaskStateDataCopyingInProgress, TaskStateDataCopyingCompleting:
		return true
	}
	return false
}

// PhaseOneDone reports whether the first phase is over and the migration
// waits for CompleteMigration: migration_driver_phase1_done (or, for a
// host-assisted share migration, data_copying_completed).
func (s TaskState) PhaseOneDone() bool {
	return s == TaskStateMigrationDriverPhase1Done || s == TaskStateDataCopyingCompleted
}

// Terminal reports whether the migration is over: migration_success,
// migration_cancelled or migration_error.
func (s TaskState) Terminal() bool {
	return s == TaskStateMigrationSuccess || s == TaskStateMigrationCancelled || s == TaskStateMigrationError
}

// Failed reports whether the migration failed: migration_error (or, for a
// share migration, data_copying_error). A cancelled migration did not
// fail.
func (s TaskState) Failed() bool {
	return s == TaskStateMigrationError || s == TaskStateDataCopyingError
}

// resettable lists, in the service's order, the values ResetTaskState
// accepts for a share server. migration_driver_starting is set by the
// service only.
var resettable = []TaskState{
	TaskStateMigrationStarting,
	TaskStateMigrationInProgress,
	TaskStateMigrationCompleting,
	TaskStateMigrationSuccess,
	TaskStateMigrationError,
	TaskStateMigrationCancelInProgress,
	TaskStateMigrationCancelled,
	TaskStateMigrationDriverInProgress,
	TaskStateMigrationDriverPhase1Done,
}

// Resettable reports whether ResetTaskState may set a share server to s:
// migration_starting, migration_in_progress, migration_completing,
// migration_success, migration_error, migration_cancel_in_progress,
// migration_cancelled, migration_driver_in_progress or
// migration_driver_phase1_done.
func (s TaskState) Resettable() bool {
	for _, r := range resettable {
		if s == r {
			return true
		}
	}
	return false
}

func resettableNames() []string {
	out := make([]string, len(resettable))
	for i, r := range resettable {
		out[i] = string(r)
	}
	return out
}
