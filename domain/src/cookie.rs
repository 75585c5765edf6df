//! Reading a `Cookie` request header (shared by the language preference and the session cookies).

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`); empty values count as absent.
pub fn read_cookie<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = "lang=en; cm_at=abc.def; xcm_rt=no; cm_rt=r1";
        assert_eq!(read_cookie(h, "cm_at"), Some("abc.def"));
        assert_eq!(read_cookie(h, "cm_rt"), Some("r1"));
        assert_eq!(read_cookie(h, "lang"), Some("en"));
        assert_eq!(read_cookie("cm_at=", "cm_at"), None);
        assert_eq!(read_cookie("", "cm_at"), None);
    }
}
