/// Whether a delivery must first look for a copy an earlier attempt may have left in the sink
/// (an S3 sink's HEAD, which skips the upload when the object is there with the same SHA-256).
///
/// Looking costs a request per image, and on a first attempt of a fresh delivery it can only find
/// nothing: the object is uploaded by this delivery alone. So the HEAD is sent only when some
/// earlier attempt may have reached the store:
/// - the delivery was marked (`check_existing`): enqueued by `sync backfill`, put back from the
///   dead letters by `sync retry`, or after a recorded failed attempt (a timeout may have come after
///   the store kept the bytes);
/// - it has failed attempts;
/// - an earlier process started attempts up to its event (the sink's durable "attempted through"
///   mark, raised before each batch): that process may have been uploading it when it stopped or
///   was killed, without recording anything;
/// - this process attempted it already and could not record the outcome (the store failed).
///
/// Whatever the answer, a repeated upload is harmless (same key, same bytes): the check saves
/// work and keeps the "skip an identical object" promise; it is not what makes delivery exactly once.
package struct EarlierCopyCheck: Sendable, Hashable {
    /// The sink's "attempted through" mark when this process's sync service started: earlier
    /// processes started attempts for events up to this id, none beyond it.
    package var attemptedBeforeStartThrough: Int64

    package init(attemptedBeforeStartThrough: Int64) {
        self.attemptedBeforeStartThrough = attemptedBeforeStartThrough
    }

    /// True when the delivery of event `eventID` must look for an earlier copy first.
    package func isNeeded(eventID: Int64, marked: Bool, failedAttempts: Int, attemptedInThisProcess: Bool) -> Bool {
        marked || failedAttempts > 0 || eventID <= attemptedBeforeStartThrough || attemptedInThisProcess
    }
}
