// What the SFTP channel knows of a mailbox's files, as plain data: the channel lists them,
// storage records what each poll saw (src/store/sftp-claims.ts).

/** An entry of inboundDir, as listed. mtime travels in whole seconds over SFTP v3. */
export interface RemoteFile {
  name: string;
  size: number;
  mtimeMs: number;
}
