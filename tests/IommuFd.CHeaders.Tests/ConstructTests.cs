using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// The 17 C constructs of shared/reference/kernel-iommufd.md §1.7, each with a small synthetic snippet written for
/// the test (no kernel header text).
/// </summary>
public class ConstructTests
{
    [Fact]
    public void C01_include_guards_includes_and_exported_headers_convention()
    {
        HeaderModel m = Headers.Snippet("""
            #ifndef _SNIPPET_H
            #define _SNIPPET_H
            #include <linux/types.h>
            #include "local.h"
            #ifdef __KERNEL__
            struct kernel_only { int x; };
            #define KERNEL_ONLY 1
            #endif
            #ifdef __EXPORTED_HEADERS__
            #define SNIP_EXPORTED 1
            #else
            #define SNIP_EXPORTED 0
            #endif
            #if defined(__KERNEL__) || 0
            #define NOPE 1
            #elif SNIP_EXPORTED && !defined(__KERNEL__)
            #define YEP 2
            #else
            #define NOPE 3
            #endif
            struct snip { __u32 a; };
            #endif /* _SNIPPET_H */
            """);

        Assert.Empty(m.Problems());
        Assert.Equal(new[] { "linux/types.h", "local.h" }, m.Includes);
        Assert.Equal(new[] { "snip" }, m.Structs.Select(s => s.Name));
        Assert.Equal(new[] { "SNIP_EXPORTED", "YEP" }, m.Constants.Select(c => c.Name));
        Assert.Equal(1, m.Constant("SNIP_EXPORTED").Value);
    }

    [Fact]
    public void C02_object_like_macros_fold_with_c_types()
    {
        HeaderModel m = Headers.Snippet("""
            #define SNIP_TYPE (';')
            #define SNIP_MASK (0xffff)
            #define SNIP_NEG -1
            #define SNIP_BIT5 (1 << 5)
            #define SNIP_BIT6 1 << 6
            #define SNIP_BASE 100
            #define SNIP_NEXT SNIP_BASE + 12
            #define SNIP_HIGH 0x80000000
            #define SNIP_WIDE 1UL << 40
            #define SNIP_ALL (~0U)
            #define SNIP_OR (SNIP_BIT5 | 2)
            #define SNIP_FROM_ENUM (SNIP_E_TWO + 1)
            #define SNIP_MINUS (SNIP_BASE - 101)
            #define SNIP_LL 5ULL
            enum { SNIP_E_ONE = 1, SNIP_E_TWO };
            """);

        Assert.Empty(m.Problems());
        (ConstantType, long) Of(string n) => (m.Constant(n).Type, m.Constant(n).Value);
        Assert.Equal((ConstantType.Int, 0x3BL), Of("SNIP_TYPE"));
        Assert.Equal("(';')", m.Constant("SNIP_TYPE").Expression);
        Assert.Equal((ConstantType.Int, 0xffffL), Of("SNIP_MASK"));
        Assert.Equal((ConstantType.Int, -1L), Of("SNIP_NEG"));
        Assert.Equal((ConstantType.Int, 32L), Of("SNIP_BIT5"));
        Assert.Equal((ConstantType.Int, 64L), Of("SNIP_BIT6"));
        Assert.Equal((ConstantType.Int, 112L), Of("SNIP_NEXT"));
        Assert.Equal((ConstantType.UInt, 0x80000000L), Of("SNIP_HIGH"));
        Assert.Equal((ConstantType.ULong, 1L << 40), Of("SNIP_WIDE"));
        Assert.Equal((ConstantType.UInt, 0xFFFFFFFFL), Of("SNIP_ALL"));
        Assert.Equal((ConstantType.Int, 34L), Of("SNIP_OR"));
        Assert.Equal((ConstantType.Int, 3L), Of("SNIP_FROM_ENUM"));
        Assert.Equal((ConstantType.Int, -1L), Of("SNIP_MINUS"));
        Assert.Equal((ConstantType.ULong, 5L), Of("SNIP_LL"));
    }

    [Fact]
    public void C03_ioctl_macros_fold_with_the_generic_encoding_including_continuations()
    {
        HeaderModel m = Headers.Snippet("""
            #define SNIP_TYPE (';')
            enum { SNIP_CMD_BASE = 0x80, SNIP_CMD_X = SNIP_CMD_BASE, SNIP_CMD_Y };
            /**
             * struct snip_arg - ioctl(SNIP_X)
             * @size: sizeof(struct snip_arg)
             * @v: a value
             */
            struct snip_arg { __u32 size; __u32 v; };
            #define SNIP_X _IO(SNIP_TYPE, SNIP_CMD_X)
            #define SNIP_Y \
            	_IO(SNIP_TYPE, SNIP_CMD_Y)
            #define SNIP_R _IOR(SNIP_TYPE, 0x10, struct snip_arg)
            #define SNIP_W _IOW('x', 1, __u32)
            #define SNIP_WR (_IOWR(SNIP_TYPE, SNIP_CMD_Y, struct snip_arg))
            """);

        Assert.Equal((ulong)0x3B80, m.Ioctl("SNIP_X").Number);
        Assert.Equal((IoctlArgumentKind.Struct, "snip_arg"), (m.Ioctl("SNIP_X").ArgumentKind, m.Ioctl("SNIP_X").ArgumentStruct));
        IoctlModel y = m.Ioctl("SNIP_Y");
        Assert.Equal(((ulong)0x3B81, "_IO(SNIP_TYPE, SNIP_CMD_Y)", 10), (y.Number, y.Definition, y.Location.Line));
        IoctlModel r = m.Ioctl("SNIP_R");
        Assert.Equal((IoctlDirection.Read, "struct snip_arg", (2UL << 30) | (8UL << 16) | 0x3B10), (r.Direction, r.SizeTypeText, r.Number));
        Assert.Equal((IoctlArgumentKind.Struct, "snip_arg"), (r.ArgumentKind, r.ArgumentStruct)); // from the encoded size type
        Assert.Equal((1UL << 30) | (4UL << 16) | ((ulong)'x' << 8) | 1, m.Ioctl("SNIP_W").Number);
        Assert.Equal((3UL << 30) | (8UL << 16) | 0x3B81, m.Ioctl("SNIP_WR").Number);
        Assert.Equal("SNIP_X", m.Struct("snip_arg").IoctlName);
        Assert.DoesNotContain(m.Constants, c => c.Name.StartsWith("SNIP_X", StringComparison.Ordinal));
    }

    [Fact]
    public void C04_anonymous_and_named_enums()
    {
        HeaderModel m = Headers.Snippet("""
            enum { SNIP_A, SNIP_B };
            enum snip_named { SNIP_C = 5 };
            enum { SNIP_D = 7 };
            """);
        Assert.Equal(new string?[] { null, "snip_named", null }, m.Enums.Select(e => e.Name));
        Assert.Equal(5, m.Enumerator("SNIP_C").Value);
        Assert.Equal(2, m.Enums[0].Enumerators.Count);
    }

    [Fact]
    public void C05_enumerator_values_reference_shift_and_suffix()
    {
        HeaderModel m = Headers.Snippet("""
            enum snip {
            	SNIP_BASE = 0x80,
            	SNIP_ALIAS = SNIP_BASE,
            	SNIP_S1 = 1 << 3,
            	SNIP_S2 = (1 << 0),
            	SNIP_S3 = (1U << 0),
            	SNIP_DEC = 42,
            	SNIP_SUM = SNIP_DEC + SNIP_S1,
            };
            """);
        Assert.Empty(m.Problems());
        Assert.Equal(new long[] { 0x80, 0x80, 8, 1, 1, 42, 50 }, m.Enums[0].Enumerators.Select(e => e.Value));
        Assert.Equal("SNIP_BASE", m.Enumerator("SNIP_ALIAS").Expression);
        Assert.Equal("(1U << 0)", m.Enumerator("SNIP_S3").Expression);
    }

    [Fact]
    public void C06_implicit_values_and_duplicates()
    {
        HeaderModel m = Headers.Snippet("""
            enum snip_state { SNIP_ERROR = 0, SNIP_STOP = 1, SNIP_RUNNING = 6, SNIP_NR, };
            enum snip_dup { SNIP_NONE = 0, SNIP_DEFAULT = 0, SNIP_ONE };
            enum { SNIP_I0, SNIP_I1, SNIP_I2 };
            """);
        Assert.Equal(7, m.Enumerator("SNIP_NR").Value);
        Assert.Null(m.Enumerator("SNIP_NR").Expression);
        Assert.Equal(new long[] { 0, 0, 1 }, m.Enums[1].Enumerators.Select(e => e.Value));
        Assert.Equal(new long[] { 0, 1, 2 }, m.Enums[2].Enumerators.Select(e => e.Value));
    }

    [Fact]
    public void C07_trailing_commas_tabs_and_comments_between_enumerators()
    {
        HeaderModel m = Headers.Snippet("enum snip_t {\n\tSNIP_T_DEFAULT\t\t= 0,\n\tSNIP_T_ONE\t= 1,\n\t/*\n\t * Requirements of the next type:\n\t * - none\n\t */\n\tSNIP_T_TWO = 2, /* trailing */\n\tSNIP_T_NEXT,\n};\n");
        Assert.Empty(m.Problems());
        Assert.Equal(new long[] { 0, 1, 2, 3 }, m.Enums[0].Enumerators.Select(e => e.Value));
        Assert.Equal("trailing", m.Enumerator("SNIP_T_TWO").Doc);
        Assert.Null(m.Enumerator("SNIP_T_NEXT").Doc); // the block comment before TWO belongs to no trailing position
    }

    [Fact]
    public void C08_fixed_width_and_aligned_types()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip {
            	__u8 a;
            	__aligned_u64 b;
            	__u16 c;
            	__aligned_le64 d;
            	__s32 e;
            	__le32 f;
            	__be16 g;
            	__s64 h;
            };
            """);
        StructModel s = m.Struct("snip");
        Assert.Equal(new[] { 0, 8, 16, 24, 32, 36, 40, 48 }, s.Fields.Select(f => f.Offset));
        Assert.Equal(new[] { 1, 8, 2, 8, 4, 4, 2, 8 }, s.Fields.Select(f => f.Size));
        Assert.Equal(new[] { false, false, false, false, true, false, false, true }, s.Fields.Select(f => f.IsSigned));
        Assert.Equal("__aligned_le64", s.Field("d").CType);
        Assert.Equal((56, 8), (s.Size, s.Alignment));
    }

    [Fact]
    public void C09_plain_u64_is_8_aligned_on_x86_64_with_implicit_and_tail_padding()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip_hdr { __u16 id; __u16 version; __u32 next; };
            struct snip_cap { struct snip_hdr header; __u32 flags; __u64 bitmap; };
            struct snip_tail { __u64 a; __u32 b; };
            """);
        Assert.Equal(16, m.Struct("snip_cap").Field("bitmap").Offset); // 4-byte hole at 12
        Assert.Equal(24, m.Struct("snip_cap").Size);
        Assert.Equal((16, 8), (m.Struct("snip_tail").Size, m.Struct("snip_tail").Alignment));
    }

    [Fact]
    public void C10_fixed_arrays_with_literal_macro_and_enum_lengths()
    {
        HeaderModel m = Headers.Snippet("""
            #define SNIP_N 4
            enum { SNIP_M = 2 };
            struct snip {
            	__u8 r[3];
            	__u32 idr[6];
            	__aligned_le64 ste[SNIP_M];
            	__u16 q[SNIP_N];
            };
            """);
        StructModel s = m.Struct("snip");
        Assert.Equal((0, 3, 3, 1), (s.Field("r").Offset, s.Field("r").Size, s.Field("r").ArrayLength, s.Field("r").ElementSize));
        Assert.Equal((4, 24, 6), (s.Field("idr").Offset, s.Field("idr").Size, s.Field("idr").ArrayLength));
        Assert.Equal((32, 16, 2), (s.Field("ste").Offset, s.Field("ste").Size, s.Field("ste").ArrayLength));
        Assert.Equal((48, 8, 4), (s.Field("q").Offset, s.Field("q").Size, s.Field("q").ArrayLength));
        Assert.Equal(56, s.Size);
    }

    [Fact]
    public void C11_flexible_array_members_add_no_size_but_alignment()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip_range { __u64 offset; __u64 length; };
            struct snip_bytes { __u32 argsz; __u32 flags; __u8 data[]; };
            struct snip_counted { __u32 nr_ranges; struct snip_range ranges[] __counted_by(nr_ranges); };
            struct snip_aligned { __u32 n; __aligned_u64 data[]; };
            """);
        FieldModel data = m.Struct("snip_bytes").Field("data");
        Assert.True(data.IsFlexibleArray);
        Assert.Equal((8, 0, -1, 1), (data.Offset, data.Size, data.ArrayLength, data.ElementSize));
        Assert.Equal(8, m.Struct("snip_bytes").Size);

        FieldModel ranges = m.Struct("snip_counted").Field("ranges");
        Assert.Equal(("nr_ranges", 8, FieldKind.Struct, "snip_range"), (ranges.CountedBy, ranges.Offset, ranges.Kind, ranges.StructName));
        Assert.Equal((8, 8), (m.Struct("snip_counted").Size, m.Struct("snip_counted").Alignment));
        Assert.Equal((8, 8, 8), (m.Struct("snip_aligned").Field("data").Offset, m.Struct("snip_aligned").Size, m.Struct("snip_aligned").Alignment));
    }

    [Fact]
    public void C12_anonymous_unions_are_flattened_with_group_ids()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip_err { __u32 type; __u32 func; __u64 addr; };
            struct snip {
            	__u32 a;
            	union {
            		__u32 in_type;
            		__u32 out_type;
            	};
            	__u32 b;
            	union {
            		struct snip_err err;
            	};
            };
            """);
        StructModel s = m.Struct("snip");
        Assert.Equal(new[] { "a", "in_type", "out_type", "b", "err" }, s.Fields.Select(f => f.Name));
        Assert.Equal(new[] { 0, 1, 1, 0, 2 }, s.Fields.Select(f => f.AnonymousGroup));
        Assert.Equal(new[] { 0, 4, 4, 8, 16 }, s.Fields.Select(f => f.Offset));
        Assert.Equal(32, s.Size);
    }

    [Fact]
    public void C13_defines_inside_struct_and_union_bodies()
    {
        HeaderModel m = Headers.Snippet("""
            #define SNIP_OUTSIDE 1
            struct snip {
            	__u32 argsz;
            	__u32 flags;
            #define SNIP_FLAG_A (1 << 0) /* first flag */
            #define SNIP_FLAG_B (1 << 1)
            	union {
            		__u32 id;
            #define SNIP_ID_NONE -1
            	};
            };
            """);
        Assert.Equal(new[] { "SNIP_FLAG_A", "SNIP_FLAG_B", "SNIP_ID_NONE" }, m.Struct("snip").Constants);
        Assert.Equal("snip", m.Constant("SNIP_FLAG_A").ContainingStruct);
        Assert.Equal("snip", m.Constant("SNIP_ID_NONE").ContainingStruct);
        Assert.Null(m.Constant("SNIP_OUTSIDE").ContainingStruct);
        Assert.Equal("first flag", m.Constant("SNIP_FLAG_A").Doc);
        Assert.Equal(new[] { "argsz", "flags", "id" }, m.Struct("snip").Fields.Select(f => f.Name));
    }

    [Fact]
    public void C14_nested_struct_members()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip_hdr { __u16 id; __u16 version; __u32 next; };
            struct snip_bitmap { __u64 pgsize; __u64 size; };
            struct snip { struct snip_hdr header; __u32 n; struct snip_bitmap bitmap; };
            """);
        FieldModel header = m.Struct("snip").Field("header"), bitmap = m.Struct("snip").Field("bitmap");
        Assert.Equal((FieldKind.Struct, "snip_hdr", "struct snip_hdr", 8), (header.Kind, header.StructName, header.CType, header.Size));
        Assert.Equal((16, 16), (bitmap.Offset, bitmap.Size));
        Assert.Equal(32, m.Struct("snip").Size);
    }

    [Fact]
    public void C15_pointer_member_has_host_pointer_width()
    {
        HeaderModel m = Headers.Snippet("struct snip { __u32 a; __u64 *data; };");
        FieldModel data = m.Struct("snip").Field("data");
        Assert.Equal((FieldKind.Pointer, "__u64 *", 8, 8, (string?)null), (data.Kind, data.CType, data.Offset, data.Size, data.StructName));
        Assert.Equal(16, m.Struct("snip").Size);
    }

    [Fact]
    public void C16_comments_kernel_doc_doc_sections_lookalikes_and_trailing()
    {
        HeaderModel m = Headers.Snippet("""
            /**
             * DOC: Snippet format
             *
             * Free text of the section.
             */

            /**
             * struct snip - ioctl(SNIP_IOCTL)
             * @size: sizeof(struct snip)
             * @flags: first line
             *         second line
             * @in_type: shared with @out_type
             *
             * Description paragraph.
             */
            struct snip {
            	__u32 size;
            	__u32 flags;
            	union { __u32 in_type; __u32 out_type; };
            	__u32 extra; /* trailing comment */
            };
            #define SNIP_IOCTL _IO(';', 0x80)

            /*
             * enum snip_flags - plain comment shaped like kernel-doc
             * @SNIP_ENABLE: Enable it
             */
            enum snip_flags { SNIP_ENABLE = 1, };

            /**
             * Upon something, this is not kernel-doc and must not attach anywhere.
             */
            struct snip_other { __u32 x; };
            """);

        Assert.Empty(m.Problems());
        DocSection section = Assert.Single(m.DocSections);
        Assert.Equal(("Snippet format", "Free text of the section."), (section.Title, section.Text));
        StructModel s = m.Struct("snip");
        Assert.Equal(new DocComment("ioctl(SNIP_IOCTL)", "Description paragraph."), s.Doc);
        Assert.Equal("first line second line", s.Field("flags").Doc);
        Assert.Equal("shared with @out_type", s.Field("in_type").Doc);
        Assert.Null(s.Field("out_type").Doc);
        Assert.Equal("trailing comment", s.Field("extra").Doc);
        Assert.Equal("SNIP_IOCTL", s.IoctlName);
        Assert.Equal("Enable it", m.Enumerator("SNIP_ENABLE").Doc);
        Assert.Equal("plain comment shaped like kernel-doc", m.Enums[0].Doc!.Summary);
        Assert.Null(m.Struct("snip_other").Doc);
        Assert.Null(m.Struct("snip_other").Field("x").Doc);
    }

    [Fact]
    public void C17_double_underscore_field_names()
    {
        HeaderModel m = Headers.Snippet("struct snip { __u32 size; __u32 __reserved; __u16 __reserved2[2]; };");
        Assert.Equal(new[] { "size", "__reserved", "__reserved2" }, m.Struct("snip").Fields.Select(f => f.Name));
        Assert.Equal(8, m.Struct("snip").Field("__reserved2").Offset);
    }

    [Fact]
    public void Packed_and_aligned_attributes_change_layout()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip_packed { __u8 a; __u32 b; } __attribute__((packed));
            struct __attribute__((aligned(16))) snip_aligned { __u32 a; };
            struct snip_member { __u8 a; __u32 b __attribute__((aligned(8))); };
            """);
        Assert.Empty(m.Problems());
        Assert.Equal((5, 1, 1), (m.Struct("snip_packed").Size, m.Struct("snip_packed").Alignment, m.Struct("snip_packed").Field("b").Offset));
        Assert.Equal((16, 16), (m.Struct("snip_aligned").Size, m.Struct("snip_aligned").Alignment));
        Assert.Equal((8, 16), (m.Struct("snip_member").Field("b").Offset, m.Struct("snip_member").Size));
    }

    [Fact]
    public void Vfio_style_ioctl_comment_pairs_struct_value_and_none()
    {
        HeaderModel m = Headers.Snippet("""
            #define SNIP_TYPE (';')
            #define SNIP_BASE 100
            /**
             * SNIP_GET_INFO - _IOR(SNIP_TYPE, SNIP_BASE + 7,
             *                      struct snip_info)
             *
             * Fills in the info.
             */
            struct snip_info { __u32 argsz; __u32 flags; };
            #define SNIP_GET_INFO _IO(SNIP_TYPE, SNIP_BASE + 7)
            /**
             * SNIP_CHECK - _IOW(SNIP_TYPE, SNIP_BASE + 1, __u32)
             */
            #define SNIP_CHECK _IO(SNIP_TYPE, SNIP_BASE + 1)
            /**
             * SNIP_RESET - _IO(SNIP_TYPE, SNIP_BASE + 11)
             */
            #define SNIP_RESET _IO(SNIP_TYPE, SNIP_BASE + 11)
            """);
        Assert.Empty(m.Problems());
        Assert.Equal((IoctlArgumentKind.Struct, "snip_info", (ulong)0x3B6B), (m.Ioctl("SNIP_GET_INFO").ArgumentKind, m.Ioctl("SNIP_GET_INFO").ArgumentStruct, m.Ioctl("SNIP_GET_INFO").Number));
        Assert.Equal((IoctlArgumentKind.Value, (string?)null), (m.Ioctl("SNIP_CHECK").ArgumentKind, m.Ioctl("SNIP_CHECK").ArgumentStruct));
        Assert.Equal(IoctlArgumentKind.None, m.Ioctl("SNIP_RESET").ArgumentKind);
        Assert.Equal(new DocComment("Fills in the info.", string.Empty), m.Struct("snip_info").Doc); // the signature head is not a summary
    }
}

/// <summary>Constructs beyond the iommufd/vfio headers that other uapi headers use (found by running the oracle wide).</summary>
public class WiderConstructTests
{
    [Fact]
    public void Condition_on_a_macro_from_an_unread_header_warns_and_drops_structs_it_shapes()
    {
        HeaderModel m = Headers.Snippet("""
            #ifdef SNIP_FROM_ELSEWHERE
            #define SNIP_A 1
            #endif
            struct snip_bits {
            #if defined(__LITTLE_ENDIAN_BITFIELD)
            	__u8 low;
            #else
            	__u8 high;
            #endif
            	__u8 rest;
            };
            struct snip_ok { __u32 a; };
            #ifndef SNIP_DEFAULT
            #define SNIP_DEFAULT 4
            #endif
            """);
        Assert.Equal(new[] { 1, 5 }, m.Diagnostics.Where(d => d.Id == "IOMMUFD1110").Select(d => d.Location.Line));
        Assert.Equal(4, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1111").Location.Line);
        Assert.Equal(new[] { "snip_ok" }, m.Structs.Select(s => s.Name));
        Assert.Equal(4, m.Constant("SNIP_DEFAULT").Value); // #ifndef: the undefined branch is the intended default
    }

    [Fact]
    public void Object_like_macros_expand_in_declarations()
    {
        HeaderModel m = Headers.Snippet("""
            #ifdef __x86_64__
            #define SNIP_PACKED __attribute__((packed))
            #else
            #define SNIP_PACKED
            #endif
            #define snip_word __u16
            #define __snip_user
            struct snip { __u32 events; __u64 data; } SNIP_PACKED;
            struct snip_words { snip_word a; void __snip_user *p; };
            """);
        Assert.Empty(m.Problems());
        Assert.Equal((12, 1), (m.Struct("snip").Size, m.Struct("snip").Alignment));
        Assert.Equal(("__u16", 2), (m.Struct("snip_words").Field("a").CType, m.Struct("snip_words").Field("a").Size));
        Assert.Equal(("void *", 8), (m.Struct("snip_words").Field("p").CType, m.Struct("snip_words").Field("p").Offset));
    }

    [Fact]
    public void Pragma_pack_caps_member_alignment_with_push_and_pop()
    {
        HeaderModel m = Headers.Snippet("""
            #pragma pack(push, 2)
            struct snip_two { __u8 a; __u32 b; };
            #pragma pack(push, 1)
            struct snip_one { __u8 a; __u64 b; };
            #pragma pack(pop)
            struct snip_two_again { __u8 a; __u64 b; };
            #pragma pack(pop)
            struct snip_natural { __u8 a; __u64 b; };
            """);
        Assert.Equal((6, 2), (m.Struct("snip_two").Size, m.Struct("snip_two").Alignment));
        Assert.Equal((9, 1), (m.Struct("snip_one").Size, m.Struct("snip_one").Alignment));
        Assert.Equal((10, 2), (m.Struct("snip_two_again").Size, m.Struct("snip_two_again").Alignment));
        Assert.Equal((16, 8), (m.Struct("snip_natural").Size, m.Struct("snip_natural").Alignment));
    }

    [Fact]
    public void Aligned_with_an_expression_is_folded_during_layout()
    {
        HeaderModel m = Headers.Snippet("struct snip { __u32 a; } __attribute__((aligned(4 * sizeof(__u64))));\nstruct snip_bad { __u32 a; } __attribute__((aligned(3 * 1)));");
        Assert.Equal((32, 32), (m.Struct("snip").Size, m.Struct("snip").Alignment));
        Assert.DoesNotContain(m.Structs, s => s.Name == "snip_bad");
        Assert.Contains(m.Diagnostics, d => d.Id == "IOMMUFD1205" && d.Location.Line == 2);
    }

    [Fact]
    public void Qualifiers_escapes_and_ioctl_constant_types()
    {
        HeaderModel m = Headers.Snippet("""
            struct snip { const char *name; const void *buf; volatile __u32 v; };
            #define SNIP_MAG "\177ELF"
            #define SNIP_HEX "\x80z"
            #define SNIP_IOW_ALIAS _IOW('s', 1, __u32)
            #define SNIP_ALIAS SNIP_IOW_ALIAS
            #define SNIP_IO_ALIAS_BASE _IO('s', 2)
            #define SNIP_IO_ALIAS SNIP_IO_ALIAS_BASE
            #define SNIP_CAST ((__u8)~0)
            """);
        Assert.Equal(new[] { "const char *", "const void *", "volatile __u32" }, m.Struct("snip").Fields.Select(f => f.CType));
        Assert.Equal("\u007FELF", m.Constant("SNIP_MAG").StringValue);
        Assert.Equal("\u0080z", m.Constant("SNIP_HEX").StringValue);
        Assert.Equal(ConstantType.ULong, m.Constant("SNIP_ALIAS").Type); // sizeof makes _IOW unsigned long
        Assert.Equal(ConstantType.UInt, m.Constant("SNIP_IO_ALIAS").Type);
        Assert.Equal((ConstantType.Int, 255L), (m.Constant("SNIP_CAST").Type, m.Constant("SNIP_CAST").Value));
    }
}

public class TypedefTests
{
    [Fact]
    public void Typedefs_of_scalars_pointers_tags_and_arrays_resolve_and_gcc_agrees()
    {
        const string Text = """
            #include <linux/types.h>
            typedef __u32 snip_id_t;
            typedef snip_id_t snip_id2_t, *snip_id_ptr_t;
            typedef struct snip_range { __u64 start; __u64 last; } snip_range_t;
            typedef __u8 snip_uuid_t[16];
            typedef struct { __u32 hidden; } snip_unnamed_t;
            struct snip {
            	snip_id_t id;
            	snip_id2_t id2;
            	snip_id_ptr_t ptr;
            	snip_id_ptr_t *pptr;
            	snip_range_t range;
            	snip_uuid_t uuid;
            	__u8 tail[sizeof(snip_uuid_t) + sizeof(snip_range_t)];
            };
            struct snip_bad { snip_unnamed_t x; };
            """;
        HeaderModel m = HeaderParser.Parse("typedefs.h", "linux/typedefs.h", Text);
        StructModel s = m.Struct("snip");
        Assert.Equal(("snip_id_t", FieldKind.Integer, 4), (s.Field("id").CType, s.Field("id").Kind, s.Field("id").Size));
        Assert.Equal(("snip_id_ptr_t", FieldKind.Pointer), (s.Field("ptr").CType, s.Field("ptr").Kind));
        Assert.Equal(("snip_id_ptr_t *", FieldKind.Pointer), (s.Field("pptr").CType, s.Field("pptr").Kind));
        Assert.Equal(("snip_range_t", FieldKind.Struct, "snip_range"), (s.Field("range").CType, s.Field("range").Kind, s.Field("range").StructName));
        Assert.Equal(("__u8", 16, 16), (s.Field("uuid").CType, s.Field("uuid").ArrayLength, s.Field("uuid").Size));
        Assert.Equal(32, s.Field("tail").ArrayLength);
        Assert.DoesNotContain(m.Structs, x => x.Name == "snip_bad");
        Assert.Contains(m.Diagnostics, d => d.Id == "IOMMUFD1202" && d.Location.Line == 16);

        (int exit, string errors) = LayoutOracleGcc.CompileSnippet("typedefs.h", Text, m);
        Assert.True(exit == 0, errors);
    }

    [Fact]
    public void Members_of_unnamed_struct_and_union_types_get_a_nested_layout()
    {
        // "struct { … } name;" (iommufd_test.h's per-op payloads): a named member whose type has no tag.
        const string Text = """
            #include <linux/types.h>
            struct snip_cmd {
                __u32 size;
                __u32 op;
                union {
                    struct {
                        __u32 id;
                        __aligned_u64 start;
                    } range;
                    struct {
                        __u32 a;
                        union { __u16 lo; __u32 wide; };
                        struct { __u8 b; } inner[3];
                    } nested;
                    __u32 raw;
                };
                union { __u8 c; __u64 d; } tail, more[2];
                __u32 last;
            };
            """;
        HeaderModel m = HeaderParser.Parse("unnamed.h", "linux/unnamed.h", Text);
        Assert.Empty(m.Problems());
        StructModel s = m.Struct("snip_cmd");
        Assert.Equal((56, 8), (s.Size, s.Alignment));

        FieldModel range = s.Field("range");
        Assert.Equal((8, 16, FieldKind.Struct, "struct {...}", 1), (range.Offset, range.Size, range.Kind, range.CType, range.AnonymousGroup));
        Assert.Null(range.StructName);
        StructModel rangeType = range.UnnamedType!;
        Assert.Equal((string.Empty, false, 16, 8), (rangeType.Name, rangeType.IsUnion, rangeType.Size, rangeType.Alignment));
        Assert.Equal(new[] { ("id", 0), ("start", 8) }, rangeType.Fields.Select(f => (f.Name, f.Offset)));

        StructModel nested = s.Field("nested").UnnamedType!;
        Assert.Equal(12, nested.Size);
        Assert.Equal(new[] { ("a", 0, 0), ("lo", 4, 1), ("wide", 4, 1), ("inner", 8, 0) }, nested.Fields.Select(f => (f.Name, f.Offset, f.AnonymousGroup)));
        FieldModel inner = nested.Field("inner");
        Assert.Equal((3, 1, 3), (inner.ArrayLength, inner.ElementSize, inner.Size));
        Assert.Equal(1, inner.UnnamedType!.Size);

        FieldModel tail = s.Field("tail"), more = s.Field("more");
        Assert.True(tail.UnnamedType!.IsUnion);
        Assert.Equal(("union {...}", 24, 8), (tail.CType, tail.Offset, tail.Size));
        Assert.Equal((32, 2, 16), (more.Offset, more.ArrayLength, more.Size));
        Assert.Equal(tail.UnnamedType with { Location = more.UnnamedType!.Location }, more.UnnamedType);
        Assert.Equal(48, s.Field("last").Offset);

        (int exit, string errors) = LayoutOracleGcc.CompileSnippet("unnamed.h", Text, m);
        Assert.True(exit == 0, errors);
    }

    [Fact]
    public void Pointer_to_an_unnamed_struct_type_is_reported()
    {
        HeaderModel m = Headers.Snippet("struct snip { struct { __u32 a; } *p; };\nstruct ok { __u32 b; };");
        Assert.DoesNotContain(m.Structs, s => s.Name == "snip");
        Assert.Contains(m.Diagnostics, d => d.Id == "IOMMUFD1205" && d.Location.Line == 1);
        Assert.Equal(4, m.Struct("ok").Size);
    }
}
