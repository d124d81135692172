#include "store/sqlite/wal_gather.h"

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace flowline::store::sqlite {
namespace {

constexpr char kVfsName[] = "flowline-wal-gather";
// Past this many held bytes the writes go out (a large transaction). The unix VFS writes at most
// 128 KiB - 1 bytes per call (seekAndWrite masks the count with 0x1ffff), so stay below that.
constexpr size_t kMaxHeld = 120 << 10;

sqlite3_vfs* Root(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// The WAL file as this VFS opens it; the default VFS's file follows it in the same allocation.
struct GatherFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool gather;          // false: every call goes straight through
  sqlite3_int64 start;  // file offset of held[0]
  char* held;           // the held writes: one contiguous range of the file
  size_t size;
  size_t capacity;
};

constexpr size_t RealOffset() { return (sizeof(GatherFile) + 7) & ~size_t{7}; }

GatherFile* Gather(sqlite3_file* file) { return reinterpret_cast<GatherFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return Gather(file)->real; }

// Hands the held writes to the real file as one write.
int Release(GatherFile& file) {
  if (file.size == 0) return SQLITE_OK;
  const int rc =
      file.real->pMethods->xWrite(file.real, file.held, static_cast<int>(file.size), file.start);
  file.size = 0;
  return rc;
}

int Close(sqlite3_file* file) {
  GatherFile& gather = *Gather(file);
  const int released = Release(gather);
  const int closed = gather.real->pMethods->xClose(gather.real);
  std::free(gather.held);
  gather.held = nullptr;
  return released != SQLITE_OK ? released : closed;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xRead(Real(file), out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  GatherFile& gather = *Gather(file);
  if (!gather.gather || amount <= 0) {
    return gather.real->pMethods->xWrite(gather.real, data, amount, offset);
  }
  const auto bytes = static_cast<size_t>(amount);
  // Only a write that continues the held range joins it; any other write first releases what is
  // held, so writes reach the file in SQLite's order.
  if (gather.size > 0 && (offset != gather.start + static_cast<sqlite3_int64>(gather.size) ||
                          gather.size + bytes > kMaxHeld)) {
    if (int rc = Release(gather); rc != SQLITE_OK) return rc;
  }
  if (bytes > kMaxHeld) return gather.real->pMethods->xWrite(gather.real, data, amount, offset);
  if (gather.size == 0) gather.start = offset;
  if (gather.size + bytes > gather.capacity) {
    size_t capacity = gather.capacity == 0 ? 32 << 10 : gather.capacity;
    while (capacity < gather.size + bytes) capacity *= 2;
    auto* grown = static_cast<char*>(std::realloc(gather.held, capacity));
    if (grown == nullptr) {
      if (int rc = Release(gather); rc != SQLITE_OK) return rc;
      return gather.real->pMethods->xWrite(gather.real, data, amount, offset);
    }
    gather.held = grown;
    gather.capacity = capacity;
  }
  std::memcpy(gather.held + gather.size, data, bytes);
  gather.size += bytes;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xSync(Real(file), flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileSize(Real(file), size);
}

int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }

int Unlock(sqlite3_file* file, int level) {
  return Real(file)->pMethods->xUnlock(Real(file), level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}

int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }

int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}

// SQLite maps and locks shared memory through the database file, never the WAL; these only
// forward, for completeness.
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return methods->xShmMap(Real(file), region, size, extend, out);
}

int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return methods->xShmLock(Real(file), offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion >= 2) methods->xShmBarrier(Real(file));
}

int ShmUnmap(sqlite3_file* file, int remove) {
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion < 2) return SQLITE_OK;
  return methods->xShmUnmap(Real(file), remove);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;
  if (int rc = Release(*Gather(file)); rc != SQLITE_OK) return rc;
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion < 3) return SQLITE_OK;  // no mapping: SQLite reads instead
  return methods->xFetch(Real(file), offset, amount, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  const sqlite3_io_methods* methods = Real(file)->pMethods;
  if (methods->iVersion < 3) return SQLITE_OK;
  return methods->xUnfetch(Real(file), offset, page);
}

const sqlite3_io_methods kGatherMethods = {3,
                                           Close,
                                           Read,
                                           Write,
                                           Truncate,
                                           Sync,
                                           FileSize,
                                           Lock,
                                           Unlock,
                                           CheckReservedLock,
                                           FileControl,
                                           SectorSize,
                                           DeviceCharacteristics,
                                           ShmMap,
                                           ShmLock,
                                           ShmBarrier,
                                           ShmUnmap,
                                           Fetch,
                                           Unfetch};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* root = Root(vfs);
  if ((flags & SQLITE_OPEN_WAL) == 0) return root->xOpen(root, name, file, flags, out_flags);
  GatherFile& gather = *Gather(file);
  std::memset(&gather, 0, sizeof(gather));
  gather.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + RealOffset());
  const int rc = root->xOpen(root, name, gather.real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // SQLite closes a file whose open failed only if its methods are set; the real one's are
    // (or are not) set by the default VFS, which cleans up after itself.
    gather.base.pMethods = nullptr;
    return rc;
  }
  // Without powersafe overwrite SQLite pads a commit to a sector boundary and writes part of
  // its last frame after the sync; then nothing may be held.
  gather.gather = (gather.real->pMethods->xDeviceCharacteristics(gather.real) &
                   SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  gather.base.pMethods = &kGatherMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Root(vfs)->xDelete(Root(vfs), name, sync_dir);
}

int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Root(vfs)->xAccess(Root(vfs), name, flags, out);
}

int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Root(vfs)->xFullPathname(Root(vfs), name, size, out);
}

void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Root(vfs)->xDlOpen(Root(vfs), name); }

void DlError(sqlite3_vfs* vfs, int size, char* out) { Root(vfs)->xDlError(Root(vfs), size, out); }

void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Root(vfs)->xDlSym(Root(vfs), handle, symbol);
}

void DlClose(sqlite3_vfs* vfs, void* handle) { Root(vfs)->xDlClose(Root(vfs), handle); }

int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return Root(vfs)->xRandomness(Root(vfs), size, out);
}

int Sleep(sqlite3_vfs* vfs, int micros) { return Root(vfs)->xSleep(Root(vfs), micros); }

int CurrentTime(sqlite3_vfs* vfs, double* out) { return Root(vfs)->xCurrentTime(Root(vfs), out); }

int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return Root(vfs)->xGetLastError(Root(vfs), size, out);
}

int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Root(vfs)->xCurrentTimeInt64(Root(vfs), out);
}

sqlite3_vfs* Register() {
  sqlite3_vfs* root = sqlite3_vfs_find(nullptr);
  // The forwarders above call every method up to version 2 (xCurrentTimeInt64).
  if (root == nullptr || root->iVersion < 2) return nullptr;
  static sqlite3_vfs vfs;
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(RealOffset()) + root->szOsFile;
  vfs.mxPathname = root->mxPathname;
  vfs.zName = kVfsName;
  vfs.pAppData = root;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = DlOpen;
  vfs.xDlError = DlError;
  vfs.xDlSym = DlSym;
  vfs.xDlClose = DlClose;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* WalGatherVfsName() {
  static sqlite3_vfs* const kVfs = Register();
  return kVfs != nullptr ? kVfs->zName : nullptr;
}

}  // namespace flowline::store::sqlite
