//! The attach listener's reply: a completion status line (`"%d\n"`, 0 when
//! the operation succeeded) and then the operation's output until the JVM
//! closes the socket. Read the way the JDK's own client reads it
//! (`HotSpotVirtualMachine.readInt` and `readErrorMessage`), but bounded:
//! a peer that sends garbage gets an error, never an endless read.

use std::fmt;
use std::io::{self, BufRead, Read};

/// The status HotSpot sends when the request's protocol version is not
/// one it speaks (`ATTACH_ERROR_BADVERSION`).
pub const ATTACH_ERROR_BADVERSION: i32 = 101;

/// The longest status line accepted: an `i32` with its sign is 11 bytes.
const MAX_STATUS_LEN: usize = 16;

/// The most of a failure message kept (the JDK keeps all of it).
const MAX_MESSAGE_LEN: u64 = 64 << 10;

/// Why a reply's status line could not be read.
#[derive(Debug)]
pub enum ReplyError {
    /// The socket closed before any status byte came (the JDK's "Premature
    /// EOF"): the JVM dropped a request it could not parse.
    Empty,
    /// The status line is not a decimal `i32`: what came, lossily.
    NotANumber(String),
    /// More than 16 bytes without a newline.
    TooLong,
    /// Reading the socket failed.
    Io(io::Error),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Empty => write!(
                f,
                "the JVM closed the connection without a reply (premature EOF): it did not accept the request"
            ),
            ReplyError::NotANumber(s) => {
                write!(f, "the reply's status line {s:?} is not a number")
            }
            ReplyError::TooLong => write!(
                f,
                "the reply does not start with a status line (no newline in the first {MAX_STATUS_LEN} bytes)"
            ),
            ReplyError::Io(e) => write!(f, "reading the reply: {e}"),
        }
    }
}

impl std::error::Error for ReplyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplyError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads the status line: bytes up to the first `\n` (or the end of the
/// stream, as the JDK accepts), an optionally signed decimal `i32`. Leaves
/// the reader at the first byte of the output.
pub fn read_status<R: BufRead>(r: &mut R) -> Result<i32, ReplyError> {
    let mut line = Vec::with_capacity(MAX_STATUS_LEN);
    r.by_ref()
        .take(MAX_STATUS_LEN as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(ReplyError::Io)?;
    let complete = line.last() == Some(&b'\n');
    if complete {
        line.pop();
    } else if line.len() > MAX_STATUS_LEN {
        return Err(ReplyError::TooLong);
    }
    if line.is_empty() {
        return Err(ReplyError::Empty);
    }
    std::str::from_utf8(&line)
        .ok()
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or_else(|| ReplyError::NotANumber(String::from_utf8_lossy(&line).into_owned()))
}

/// Reads the rest of a failed reply as the JDK words it for the user: the
/// lines joined with nothing between them (`BufferedReader.readLine` drops
/// `\n`, `\r` and `\r\n`), at most 64 KiB of it. An empty message becomes
/// the JDK's "Command failed in target VM"; a protocol mismatch its
/// "Protocol mismatch with target VM".
pub fn read_message<R: Read>(status: i32, r: R) -> io::Result<String> {
    if status == ATTACH_ERROR_BADVERSION {
        return Ok("Protocol mismatch with target VM".into());
    }
    let mut bytes = Vec::new();
    r.take(MAX_MESSAGE_LEN).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut message = String::with_capacity(text.len());
    for line in text.split('\n') {
        message.push_str(line.strip_suffix('\r').unwrap_or(line));
    }
    // A lone `\r` also ends a line for `readLine`.
    message.retain(|c| c != '\r');
    if message.is_empty() {
        message.push_str("Command failed in target VM");
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(bytes: &[u8]) -> (Result<i32, ReplyError>, Vec<u8>) {
        let mut r = io::BufReader::new(bytes);
        let s = read_status(&mut r);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        (s, rest)
    }

    /// A real JDK 17 reply to `jcmd VM.version`.
    #[test]
    fn reply_ok_leaves_the_output() {
        let (s, rest) =
            status(b"0\nOpenJDK 64-Bit Server VM version 17.0.15+6-Debian-1deb12u1\nJDK 17.0.15\n");
        assert_eq!(s.unwrap(), 0);
        assert!(rest.starts_with(b"OpenJDK 64-Bit"));
    }

    /// What HotSpot sends for an unknown diagnostic command: JNI_ERR.
    #[test]
    fn reply_failed_joins_the_message_lines() {
        let bytes = b"-1\njava.lang.IllegalArgumentException: Unknown diagnostic command\n";
        let mut r = io::BufReader::new(&bytes[..]);
        let s = read_status(&mut r).unwrap();
        assert_eq!(s, -1);
        assert_eq!(
            read_message(s, r).unwrap(),
            "java.lang.IllegalArgumentException: Unknown diagnostic command"
        );
        assert_eq!(read_message(-1, &b"a\r\nb\rc\n"[..]).unwrap(), "abc");
        assert_eq!(
            read_message(-1, &b""[..]).unwrap(),
            "Command failed in target VM"
        );
        assert_eq!(
            read_message(ATTACH_ERROR_BADVERSION, &b"ignored"[..]).unwrap(),
            "Protocol mismatch with target VM"
        );
    }

    #[test]
    fn reply_status_without_newline_is_read_to_the_end() {
        let (s, rest) = status(b"0");
        assert_eq!(s.unwrap(), 0);
        assert!(rest.is_empty());
        assert_eq!(status(b"+7\n").0.unwrap(), 7);
    }

    #[test]
    fn reply_truncated() {
        assert!(matches!(status(b"").0, Err(ReplyError::Empty)));
        assert!(matches!(status(b"\n").0, Err(ReplyError::Empty)));
        assert!(matches!(status(b"\nrest").0, Err(ReplyError::Empty)));
    }

    #[test]
    fn reply_garbage() {
        assert!(matches!(
            status(b"HTTP/1.1 200 OK\r\n").0,
            Err(ReplyError::NotANumber(_))
        ));
        assert!(matches!(status(b"0 \n").0, Err(ReplyError::NotANumber(_))));
        assert!(matches!(
            status(b"\xff\xfe\n").0,
            Err(ReplyError::NotANumber(_))
        ));
        assert!(matches!(
            status(b"99999999999\n").0,
            Err(ReplyError::NotANumber(_))
        ));
        assert!(matches!(
            status(b"00000000000000000000").0,
            Err(ReplyError::TooLong)
        ));
        assert!(matches!(
            status(&[b'7'; 1 << 20]).0,
            Err(ReplyError::TooLong)
        ));
        // A message longer than the bound is cut, not read for ever.
        let long = vec![b'x'; 1 << 20];
        assert_eq!(read_message(-1, &long[..]).unwrap().len(), 64 << 10);
    }

    #[test]
    fn reply_read_error_is_reported() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"))
            }
        }
        let mut r = io::BufReader::new(Broken);
        assert!(matches!(read_status(&mut r), Err(ReplyError::Io(_))));
    }
}
