// A VFS for the store's writer connection that gathers a transaction's WAL writes into one.
//
// SQLite appends each WAL frame with two writes (its 24-byte header, then the page), so a W3
// commit of ~16 frames costs ~32 pwrite calls, and since a frame is not page-aligned every page
// of the file's cache is written twice. This VFS wraps the default one; for the WAL file only,
// writes that append to the previous one are held in memory and handed to the real file as one
// write when SQLite next syncs, reads, truncates, asks the size of or closes it. Every other file
// (the database, its shared memory) is the default VFS's, untouched.
//
// Why that is safe, with synchronous=FULL and only then: a commit writes all of its frames, then
// syncs the WAL (which first writes what was held), and only then publishes the frames in the
// shared-memory index that readers and checkpointers look at. So nothing that another connection
// (or process) can find in the WAL is ever held here, and a commit is on disk exactly when it was
// before. Held writes lost to a crash were never synced, so never reported committed. Under
// synchronous=NORMAL a commit publishes its frames without a sync, so the store does not use
// this VFS then; nor when the device lacks powersafe overwrite (SQLite would then write part of a
// commit's last frame after the sync).
//
// Thread-safety: the VFS is registered once per process and may serve any number of connections;
// each opened WAL file belongs to its connection's thread, as SQLite files do.
#pragma once

namespace flowline::store::sqlite {

// Registers the VFS (once; later calls return at once) and returns its name for
// sqlite3_open_v2, or nullptr if it could not be registered (then open with the default VFS).
const char* WalGatherVfsName();

}  // namespace flowline::store::sqlite
